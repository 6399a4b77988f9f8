package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/higress-ai/higress-ai/internal/access"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// ErrUnknownRoute marks a route that no Ingress and no match rule names (most often a typo), or
// one whose existence cannot be checked.
var ErrUnknownRoute = errors.New("unknown route")

// KnownRoutes are the routes as far as the Ingresses and the plugins' match rules tell, sorted.
// A failure to list Ingresses is returned beside the routes the rules name.
func (e Env) KnownRoutes(ctx context.Context, ps Plugins) ([]k8s.Route, error) {
	ingresses, err := e.Routes(ctx)
	return wasmplugin.KnownRoutes(ingresses, ps.KeyAuth, ps.Block), err
}

// LookUpRoute finds a route by the name Higress gives it, with its hosts (a domain rule on one of
// them governs it too). A route nothing names is an ErrUnknownRoute error unless anyRoute, which
// takes it as it is (a route whose Ingress does not exist yet).
func (e Env) LookUpRoute(ctx context.Context, ps Plugins, name string, anyRoute bool) (k8s.Route, error) {
	if strings.TrimSpace(name) == "" {
		return k8s.Route{}, errors.New("empty route name")
	}
	known, listErr := e.KnownRoutes(ctx, ps)
	for _, r := range known {
		if r.Name == name {
			return r, nil
		}
	}
	route := k8s.Route{Name: name}
	switch {
	case anyRoute:
		return route, nil
	case listErr != nil:
		return route, Mark(ErrUnknownRoute, "cannot tell whether route %q exists (%v)", name, listErr)
	}
	hint := ""
	if ns, _, found := strings.Cut(name, "/"); found && ns == e.Namespace {
		hint = fmt.Sprintf(" (in namespace %s Higress names it without the namespace)", ns)
	} else {
		names := make([]string, len(known))
		for i, r := range known {
			names[i] = r.Name
		}
		hint = didYouMean(name, names)
	}
	return route, Mark(ErrUnknownRoute, "unknown route %q: no Ingress of class %s and no match rule names it%s", name, k8s.IngressClass, hint)
}

// Auth says who may call a route.
type Auth string

const (
	AuthOff    Auth = "off"    // no key needed
	AuthOn     Auth = "on"     // the rule in force: only its allow list
	AuthGlobal Auth = "global" // no rule, and global_auth (true, or unset while no rule exists): any consumer's key
)

// RouteInfo is one row of the route table.
type RouteInfo struct {
	Route     string   `json:"route"`
	Namespace string   `json:"namespace,omitempty"`
	Ingress   bool     `json:"ingress"` // an Ingress of class higress exists for it
	Hosts     []string `json:"hosts,omitempty"`
	Auth      Auth     `json:"auth"`
	// Consumers are the consumers allowed; null when auth is off or any consumer may call it.
	Consumers []string `json:"consumers"`
	// AuthRule and BlockRule name the match rules in force ("route a, b"); empty when none.
	AuthRule     string   `json:"authRule,omitempty"`
	BlockRule    string   `json:"blockRule,omitempty"`
	BlockedWords []string `json:"blockedWords"`
}

// AuthOn says who may call a route or domain under the key-auth plugin: the kind of auth, the
// consumers allowed (nil: auth off, or any consumer) and the rule in force ("" when global).
func (ps Plugins) AuthOn(s wasmplugin.Scope) (auth Auth, consumers []string, rule string, err error) {
	g, err := access.GateOn(ps.KeyAuth, ps.Auth, s)
	switch {
	case err != nil:
		return "", nil, "", err
	case !g.Key:
		return AuthOff, nil, g.Rule, nil
	case g.Rule == "":
		return AuthGlobal, nil, "", nil
	}
	return AuthOn, g.Allow, g.Rule, nil
}

// BlockedOn lists the words of the request-block config that applies to a scope, as the plugin's
// build applies them; where is the rule's targets, "global", or "" when no word applies.
func (ps Plugins) BlockedOn(s wasmplugin.Scope) (words []string, where string, err error) {
	if ps.Block == nil {
		return nil, "", nil
	}
	cfg, where, err := BlockConfigFor(*ps.Block, s)
	if err != nil || cfg == nil {
		return nil, "", err
	}
	build := requestblock.BuildOf(ps.Block.URL())
	for _, w := range cfg.Words() {
		if cfg.Blocks(w, build) {
			words = append(words, w.Text)
		}
	}
	if len(words) == 0 {
		where = ""
	}
	return words, where, nil
}

// RouteTable describes every known route: who may call it and which words are blocked there.
func RouteTable(ps Plugins, routes []k8s.Route) ([]RouteInfo, error) {
	out := make([]RouteInfo, 0, len(routes))
	for _, r := range routes {
		in := RouteInfo{Route: r.Name, Namespace: r.Namespace, Ingress: r.Ingress != "", Hosts: r.Hosts}
		s := wasmplugin.RouteScope(r)
		var err error
		if in.Auth, in.Consumers, in.AuthRule, err = ps.AuthOn(s); err != nil {
			return nil, err
		}
		if in.BlockedWords, in.BlockRule, err = ps.BlockedOn(s); err != nil {
			return nil, err
		}
		if in.BlockedWords == nil {
			in.BlockedWords = []string{}
		}
		out = append(out, in)
	}
	return out, nil
}
