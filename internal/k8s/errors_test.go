package k8s

import (
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestExplain(t *testing.T) {
	gr := WasmPluginGVR.GroupResource()
	gk := schema.GroupKind{Group: "extensions.higress.io", Kind: "WasmPlugin"}
	cases := []struct {
		name       string
		err        error
		verb, obj  string
		want       string
		isConflict bool
	}{
		{"not found", apierrors.NewNotFound(gr, "x"), "get", "x", `wasmplugin "ns/x" not found`, false},
		{"no CRD", apierrors.NewNotFound(gr, ""), "list", "", "the WasmPlugin API (wasmplugins.extensions.higress.io) is not served by this cluster: is Higress installed?", false},
		{"forbidden", apierrors.NewForbidden(gr, "x", errors.New(`User "viewer" cannot update resource`)), "update", "x",
			`cannot update wasmplugin "ns/x": wasmplugins.extensions.higress.io "x" is forbidden: User "viewer" cannot update resource; the tool needs get, list, watch, create and update on wasmplugins.extensions.higress.io in that namespace (see RBAC in the README)`, false},
		{"invalid with causes", apierrors.NewInvalid(gk, "x", field.ErrorList{field.NotSupported(field.NewPath("spec", "phase"), "BOGUS", []string{"AUTHN", "AUTHZ"})}), "update", "x",
			`the cluster refused wasmplugin "ns/x": spec.phase: Unsupported value: "BOGUS": supported values: "AUTHN", "AUTHZ"`, false},
		{"conflict", apierrors.NewConflict(gr, "x", errors.New("stale")), "update", "x", `wasmplugin "ns/x" was changed by someone else while this edit ran`, true},
		{"unauthorized", apierrors.NewUnauthorized("bad token"), "list", "", "the cluster rejected the credentials (401 Unauthorized): check the kubeconfig's user", false},
		{"unreachable", &url.Error{Op: "Get", URL: "https://10.0.0.1:6443/apis/x?limit=500", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}, "list", "",
			"cannot reach the cluster: https://10.0.0.1:6443: dial tcp: connection refused", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Explain(tc.err, tc.verb, tc.obj, "ns")
			if !strings.HasPrefix(got.Error(), tc.want) || strings.Contains(got.Error(), "\n") {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
			if apierrors.IsConflict(got) != tc.isConflict {
				t.Fatal("the explained error lost its type")
			}
			if again := Explain(got, "get", "y", "other"); again != got {
				t.Fatal("explaining twice rewrote the message")
			}
		})
	}
	if Explain(nil, "get", "x", "ns") != nil {
		t.Fatal("nil error explained")
	}
}

func TestExplainForOtherResources(t *testing.T) {
	pods := schema.GroupResource{Resource: "pods"}
	cases := []struct {
		err  error
		res  Resource
		verb string
		name string
		ns   string
		want string
	}{
		{apierrors.NewForbidden(pods, "", errors.New("no")), Pods, "list", "", "higress-system",
			`cannot list pods in namespace "higress-system": pods is forbidden: no; usage needs list on pods and get on pods/log in the gateway's namespace (see RBAC in the README)`},
		{apierrors.NewForbidden(schema.GroupResource{Group: "networking.k8s.io", Resource: "ingresses"}, "", errors.New("no")), Ingresses, "list", "", "",
			`cannot list ingresses in all namespaces: ingresses.networking.k8s.io is forbidden: no; route list needs list on ingresses.networking.k8s.io in every namespace (see RBAC in the README)`},
		{apierrors.NewNotFound(pods, "gw-1"), Pods, "get the log of", "gw-1", "higress-system", `pod "higress-system/gw-1" not found`},
	}
	for _, tc := range cases {
		if got := ExplainFor(tc.err, tc.res, tc.verb, tc.name, tc.ns).Error(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}
