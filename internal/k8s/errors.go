package k8s

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

const defaultTimeout = 30 * time.Second

// Error is an API error turned into one line a person can act on. It unwraps to the original,
// so apierrors.IsConflict and friends still work on it.
type Error struct {
	msg string
	err error
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.err }

// Resource names a kind of object in error messages and says what RBAC the tool needs on it.
type Resource struct {
	Kind   string // singular, lower case: "wasmplugin"
	Plural string // for lists: "wasmplugins"
	API    string // the API serving it, for "not served": "wasmplugins.extensions.higress.io"
	Needs  string // the permission hint for Forbidden
}

// Resources the tool reads or writes.
var (
	WasmPlugins = Resource{Kind: "wasmplugin", Plural: "wasmplugins", API: "the WasmPlugin API (wasmplugins.extensions.higress.io)",
		Needs: "the tool needs get, list, watch, create and update on wasmplugins.extensions.higress.io in that namespace"}
	Ingresses = Resource{Kind: "ingress", Plural: "ingresses", API: "the Ingress API (ingresses.networking.k8s.io/v1)",
		Needs: "route list needs list on ingresses.networking.k8s.io in every namespace"}
	Pods = Resource{Kind: "pod", Plural: "pods", API: "the Pod API",
		Needs: "usage needs list on pods and get on pods/log in the gateway's namespace"}
)

// Explain translates an API error from verb on wasmplugin name (empty for list) in namespace.
func Explain(err error, verb, name, namespace string) error {
	return ExplainFor(err, WasmPlugins, verb, name, namespace)
}

// ExplainFor translates an API error from verb on the named object of a resource (name empty: a
// list; namespace empty: every namespace) into one line. It is the one place where API errors get
// their wording.
func ExplainFor(err error, res Resource, verb, name, namespace string) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	what := fmt.Sprintf("%s %q", res.Kind, namespace+"/"+name)
	switch {
	case name == "" && namespace == "":
		what = res.Plural + " in all namespaces"
	case name == "":
		what = fmt.Sprintf("%s in namespace %q", res.Plural, namespace)
	}
	var msg string
	switch {
	case apierrors.IsNotFound(err) && name == "":
		msg = res.API + " is not served by this cluster"
		if res == WasmPlugins {
			msg += ": is Higress installed?"
		}
	case apierrors.IsNotFound(err):
		msg = what + " not found"
	case apierrors.IsForbidden(err):
		msg = fmt.Sprintf("cannot %s %s: %s; %s (see RBAC in the README)", verb, what, statusMessage(err), res.Needs)
	case apierrors.IsUnauthorized(err):
		msg = "the cluster rejected the credentials (401 Unauthorized): check the kubeconfig's user"
	case apierrors.IsConflict(err):
		msg = fmt.Sprintf("%s was changed by someone else while this edit ran: %s", what, statusMessage(err))
	case apierrors.IsAlreadyExists(err):
		msg = what + " already exists"
	case apierrors.IsInvalid(err):
		msg = fmt.Sprintf("the cluster refused %s: %s", what, invalidCauses(err))
	case isNetwork(err):
		msg = "cannot reach the cluster: " + networkMessage(err)
	default:
		msg = fmt.Sprintf("%s %s: %v", verb, what, err)
	}
	return &Error{msg: msg, err: err}
}

func statusMessage(err error) string {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		if m := st.Status().Message; m != "" {
			return m
		}
	}
	return err.Error()
}

func invalidCauses(err error) string {
	var st apierrors.APIStatus
	if !errors.As(err, &st) || st.Status().Details == nil || len(st.Status().Details.Causes) == 0 {
		return statusMessage(err)
	}
	var parts []string
	for _, c := range st.Status().Details.Causes {
		if c.Field != "" {
			parts = append(parts, c.Field+": "+c.Message)
		} else {
			parts = append(parts, c.Message)
		}
	}
	return strings.Join(parts, "; ")
}

func isNetwork(err error) bool {
	var ue *url.Error
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.As(err, &oe)
}

func networkMessage(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Sprintf("%s: %v", hostOf(ue.URL), ue.Err)
	}
	return err.Error()
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Scheme + "://" + u.Host
}
