package aiplugin

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// ProviderInfo is one provider as listings show it: keys masked.
type ProviderInfo struct {
	ID           string   `json:"id"`
	Type         string   `json:"type"`
	BaseURL      string   `json:"baseUrl,omitempty"`
	Keys         []string `json:"keys"` // masked
	ModelMapping []string `json:"modelMapping,omitempty"`
	Routes       []string `json:"routes"` // the routes bound to it
}

// Providers lists the providers of the installed plugin with the routes bound to each.
func Providers(ctx context.Context, store k8s.Store, namespace string) ([]ProviderInfo, error) {
	p, err := Find(ctx, store, namespace)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, ErrNotInstalled
	}
	cfg, err := parse(*p)
	if err != nil {
		return nil, err
	}
	bindings, err := Bindings(*p)
	if err != nil {
		return nil, err
	}
	var out []ProviderInfo
	for _, pr := range cfg.Providers() {
		info := ProviderInfo{ID: pr.ID(), Type: pr.Type(), BaseURL: pr.BaseURL(), Keys: pr.MaskedTokens(), ModelMapping: pr.ModelMapping(), Routes: routesOf(bindings, pr.ID())}
		if info.Keys == nil {
			info.Keys = []string{}
		}
		out = append(out, info)
	}
	return out, nil
}

func routesOf(bindings map[string]string, id string) []string {
	out := []string{}
	for route, pid := range bindings {
		if pid == id {
			out = append(out, route)
		}
	}
	sort.Strings(out)
	return out
}

// AddProvider adds a provider to the installed plugin.
func AddProvider(ctx context.Context, store k8s.Store, namespace string, dry wasmplugin.DryRun, spec aiproxy.ProviderSpec) (wasmplugin.Result, error) {
	return editShared(ctx, store, namespace, dry, func(p wasmplugin.Plugin, cfg *aiproxy.Config) error {
		err := cfg.AddProvider(spec)
		var exists *aiproxy.ExistsError
		if errors.As(err, &exists) {
			return fmt.Errorf("provider %q already exists in wasmplugin %q", spec.ID, p.Ref())
		}
		return err
	})
}

// RemoveProvider removes a provider. While routes are bound to it, it is refused unless force,
// which also removes those routes' rules (they would name a provider that is gone); it returns the
// routes unbound.
func RemoveProvider(ctx context.Context, store k8s.Store, namespace string, dry wasmplugin.DryRun, id string, force bool) (wasmplugin.Result, []string, error) {
	var unbound []string
	res, err := editShared(ctx, store, namespace, dry, func(p wasmplugin.Plugin, cfg *aiproxy.Config) error {
		unbound = nil
		if !cfg.RemoveProvider(id) {
			return fmt.Errorf("provider %q not found in wasmplugin %q", id, p.Ref())
		}
		rules, err := p.Rules()
		if err != nil {
			return err
		}
		var kept []wasmplugin.Rule
		for _, r := range rules {
			if aiproxy.ActiveProvider(r.Config()) == id {
				unbound = append(unbound, r.Ingress()...)
				continue
			}
			kept = append(kept, r)
		}
		if len(unbound) > 0 && !force {
			return &BoundError{ID: id, Routes: unbound}
		}
		p.SetRules(kept)
		return nil
	})
	return res, unbound, err
}

// BoundError refuses removing a provider that routes still use.
type BoundError struct {
	ID     string
	Routes []string
}

func (e *BoundError) Error() string {
	return fmt.Sprintf("provider %q still serves route %s: bind the route to another provider first, or remove it anyway (which unbinds the route)", e.ID, quoteList(e.Routes))
}

func quoteList(l []string) string {
	out := ""
	for i, s := range l {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", s)
	}
	return out
}

// RotateKey adds key beside the provider's current keys (both work: no downtime), or with finish
// drops every key but the newest; it returns how many keys finish dropped.
func RotateKey(ctx context.Context, store k8s.Store, namespace string, dry wasmplugin.DryRun, id, key string, finish bool) (wasmplugin.Result, int, error) {
	dropped := 0
	res, err := editShared(ctx, store, namespace, dry, func(p wasmplugin.Plugin, cfg *aiproxy.Config) error {
		pr, ok := cfg.Provider(id)
		if !ok {
			return fmt.Errorf("provider %q not found in wasmplugin %q", id, p.Ref())
		}
		if finish {
			dropped = pr.FinishRotation()
			return nil
		}
		return pr.AddToken(key)
	})
	return res, dropped, err
}

// BindOptions say which route to point at which provider.
type BindOptions struct {
	Namespace string
	Route     string
	Provider  string
	DryRun    wasmplugin.DryRun
	// Routes are the gateway's routes; a route no Ingress names is refused unless AnyRoute. Nil
	// when they could not be listed (then any route is taken).
	Routes   []k8s.Route
	AnyRoute bool
}

// BindResult is what a bind did.
type BindResult struct {
	wasmplugin.Result
	Previous string // the provider the route had before ("" when none)
	// Uncovered is set when key-auth does not run on the route.
	Uncovered bool
	// Overlaps is set when Higress's own ai-proxy also proxies the route (see Overlaps).
	Overlaps []string
}

// BindRoute writes the match rule that points one route at one provider: a rule naming exactly
// that route, with the whole config and activeProviderId, placed before any rule that would
// otherwise take the route's requests.
func BindRoute(ctx context.Context, store k8s.Store, o BindOptions) (BindResult, error) {
	var out BindResult
	if o.Route == "" {
		return out, fmt.Errorf("route name required")
	}
	if o.Routes != nil && !o.AnyRoute {
		if _, ok := wasmplugin.LookupRoute(o.Route, o.Routes); !ok {
			return out, fmt.Errorf("route %q not found: no Ingress of class higress names it (bind it anyway with --any-route)", o.Route)
		}
	}
	var hosts []string
	if r, ok := wasmplugin.LookupRoute(o.Route, o.Routes); ok {
		hosts = r.Hosts
	}
	res, err := editShared(ctx, store, o.Namespace, o.DryRun, func(p wasmplugin.Plugin, cfg *aiproxy.Config) error {
		if _, ok := cfg.Provider(o.Provider); !ok {
			return fmt.Errorf("provider %q not found in wasmplugin %q (add it with provider add)", o.Provider, p.Ref())
		}
		r, _, err := wasmplugin.Scope{Route: o.Route}.EnsureRule(p, map[string]any{})
		if err != nil {
			return err
		}
		rc := r.EditConfig()
		out.Previous = aiproxy.ActiveProvider(rc)
		rc["activeProviderId"] = o.Provider
		k, err := aiproxy.ParseKeyAuth(cfg.Raw())
		if err != nil {
			return err
		}
		out.Uncovered = k == nil || !k.Covers(o.Route, hosts)
		return nil
	})
	out.Result = res
	if err != nil {
		return out, err
	}
	out.Overlaps, err = Overlaps(ctx, store, o.Namespace, []string{o.Route})
	return out, err
}
