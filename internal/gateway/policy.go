package gateway

import (
	"context"

	"github.com/higress-ai/higress-ai/internal/access"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/secret"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// Policy is a consumer's effective policy. Each section comes from one plugin; sections for later
// plugins (token limits, budgets) join it the same way.
type Policy struct {
	Name        string   `json:"name"`
	Plugin      string   `json:"plugin"`
	Credentials []string `json:"credentials"` // masked
	PresentedAs string   `json:"presentedAs"`
	Access      Access   `json:"access"`
	// Models are the models the bundled ai-proxy lets it call; null when it has no list (any
	// model), [] when it may call none.
	Models []string `json:"models"`
	// BlockedWords are the words that stop this consumer's requests: for each route and domain it
	// may call, those of the request-block config Higress applies there, each config's word once.
	BlockedWords []Blocked `json:"blockedWords"`
	// Limits are the ai-token-ratelimit limits that apply to it, one per scope: its own, else the
	// default one (everyone without a limit of their own).
	Limits []Limit `json:"limits"`
}

// Limit is one token limit as a consumer's policy shows it.
type Limit struct {
	Scope   string `json:"scope"`
	Tokens  int64  `json:"tokens"`
	Window  string `json:"window"`
	Default bool   `json:"default"` // the default limit, not one of its own
}

// Access is what key-auth lets the consumer call, decided route by route by the rule in force.
type Access struct {
	// Routes are the known routes that need a key and whose rule in force (else the global
	// config) admits this consumer's.
	Routes []string `json:"routes"`
	// OpenRoutes are the known routes that need no key at all.
	OpenRoutes []string `json:"openRoutes"`
	// Domains are the domains named in key-auth rules whose rule in force admits its key.
	Domains []string `json:"domains"`
	// GlobalAuth: requests no rule covers need a key, and any consumer's opens them (global_auth
	// true, or unset while no enabled rule exists; the global allow list is not read).
	GlobalAuth bool `json:"globalAuth"`
}

// Blocked is a blocked word that applies to the consumer's requests.
type Blocked struct {
	BlockedWord
	// On are the routes and domains it may call that get this word ("route gpt-4o").
	On []string `json:"on"`
}

// ConsumerPolicy is what the consumer may do as the gateway decides it. ps.KeyAuth must be set.
// A failure to list Ingresses is returned as warn beside a policy built from the rules' routes.
func (e Env) ConsumerPolicy(ctx context.Context, ps Plugins, name string) (pol Policy, warn error, err error) {
	if ps.KeyAuth == nil {
		return pol, nil, Mark(ErrUnknownConsumer, "consumer %q not found: no key-auth wasmplugin in namespace %q", name, e.Namespace)
	}
	c, ok := ps.Auth.Consumer(name)
	if !ok {
		return pol, nil, ConsumerNotFound(*ps.KeyAuth, ps.Auth, name)
	}
	pol = Policy{Name: name, Plugin: ps.KeyAuth.Ref(), PresentedAs: c.Where(), Credentials: []string{}}
	for _, cr := range c.Credentials() {
		pol.Credentials = append(pol.Credentials, secret.Mask(cr))
	}
	routes, warn := e.KnownRoutes(ctx, ps)
	reach, err := pol.Access.gather(ps, name, routes)
	if err != nil {
		return pol, warn, err
	}
	pol.BlockedWords, err = blockedWordsOn(ps.Block, reach)
	return pol, warn, err
}

// gather fills in what the key-auth plugin lets the consumer call, and returns those routes and
// domains as scopes.
func (a *Access) gather(ps Plugins, name string, routes []k8s.Route) ([]wasmplugin.Scope, error) {
	a.Routes, a.OpenRoutes, a.Domains = []string{}, []string{}, []string{}
	var reach []wasmplugin.Scope
	for _, r := range routes {
		s := wasmplugin.RouteScope(r)
		g, err := access.GateOn(ps.KeyAuth, ps.Auth, s)
		switch {
		case err != nil:
			return nil, err
		case !g.Admits(name):
			continue
		case g.Key:
			a.Routes = append(a.Routes, r.Name)
		default:
			a.OpenRoutes = append(a.OpenRoutes, r.Name)
		}
		reach = append(reach, s)
	}
	domains, err := wasmplugin.RuleDomains(*ps.KeyAuth, ps.Auth.Build().Matcher())
	if err != nil {
		return nil, err
	}
	for _, d := range domains {
		s := wasmplugin.Scope{Domain: d}
		if g, err := access.GateOn(ps.KeyAuth, ps.Auth, s); err != nil {
			return nil, err
		} else if g.Key && g.Admits(name) {
			a.Domains = append(a.Domains, d)
			reach = append(reach, s)
		}
	}
	g, err := access.GateOn(ps.KeyAuth, ps.Auth, wasmplugin.Scope{})
	a.GlobalAuth = g.Key
	return reach, err
}

// blockedWordsOn are the words of the request-block config each scope gets (bp nil: none
// installed), as the plugin's build applies them, each config's word once with the scopes.
func blockedWordsOn(bp *wasmplugin.Plugin, reach []wasmplugin.Scope) ([]Blocked, error) {
	out := []Blocked{}
	if bp == nil {
		return out, nil
	}
	build := requestblock.BuildOf(bp.URL())
	seen := map[BlockedWord]int{}
	for _, s := range reach {
		cfg, where, err := BlockConfigFor(*bp, s)
		if err != nil {
			return nil, err
		}
		if cfg == nil {
			continue
		}
		cs, _ := cfg.CaseSensitive(build)
		for _, w := range cfg.Words() {
			if !cfg.Blocks(w, build) {
				continue
			}
			e := BlockedWord{Word: w.Text, In: string(w.In), Scope: where, CaseSensitive: cs, Enabled: true}
			i, ok := seen[e]
			if !ok {
				i, seen[e] = len(out), len(out)
				out = append(out, Blocked{BlockedWord: e})
			}
			out[i].On = append(out[i].On, s.String())
		}
	}
	return out, nil
}
