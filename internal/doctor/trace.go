package doctor

import (
	"fmt"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"strings"

	"github.com/higress-ai/higress-ai/internal/access"
	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/ratelimit"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/usage"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// Trace follows one consumer's request to a route through the gateway as configured, step by
// step in the order the plugins run: the key it presents, key-auth's rule and allow list, the
// blocked words it meets, its token limit, the provider and models the route sends it to, the
// plugin order, and whether its usage is logged, attributed and priced. Each step is a finding;
// one at error level means the request would not get through (or not as intended).
func Trace(g Gateway, consumer, route string, prices *usage.Prices) []Finding {
	t := tracer{g: g, consumer: consumer, route: route, prices: prices}
	// A request that no route serves, or that key-auth refuses, goes no further.
	for _, step := range []func(){t.routeStep, t.keyAuth} {
		step()
		if AtOrAbove(t.out, Error) > 0 {
			return t.out
		}
	}
	t.blocked()
	t.limit()
	t.provider()
	for _, f := range checkChain(g) {
		t.out = append(t.out, f)
	}
	t.usageStep()
	return t.out
}

type tracer struct {
	g               Gateway
	consumer, route string
	prices          *usage.Prices
	scope           wasmplugin.Scope
	out             []Finding
	models          []string // the models the consumer may call on the route; nil: any
}

func (t *tracer) add(code, fix, format string, args ...any) {
	t.out = append(t.out, finding(code, "route/"+t.route, fix, format, args...))
}

func (t *tracer) routeStep() {
	t.scope = wasmplugin.Scope{Route: t.route}
	for _, r := range t.g.Routes {
		if r.Name == t.route {
			t.scope = wasmplugin.RouteScope(r)
			t.add("HAI0601", "", "route %q: an Ingress of class %s, hosts %s", t.route, k8s.IngressClass, orNone(r.Hosts))
			return
		}
	}
	for _, p := range t.g.Plugins {
		for _, r := range wasmplugin.RuleRoutes(&p) {
			if r == t.route {
				t.add("HAI0601", "", "route %q is named in match rules but no Ingress is known for it (hosts unknown: domain rules are not traced)", t.route)
				return
			}
		}
	}
	t.add("HAI0602", "higress-ai route list", "no Ingress and no match rule names route %q: the gateway has no such route", t.route)
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "(none)"
	}
	return strings.Join(list, ", ")
}

func (t *tracer) keyAuth() {
	auths := byKind(t.g, keyauth.Plugin)
	if len(auths) == 0 {
		t.add("HAI0603", "higress-ai consumer add "+t.consumer, "no key-auth plugin: the request carries no consumer, so %q is never recognised", t.consumer)
		return
	}
	p := auths[0]
	cfg, err := keyauth.Parse(p.DefaultConfig())
	if err != nil {
		t.add("HAI0603", "", "key-auth's consumers cannot be read (%v)", err)
		return
	}
	c, ok := cfg.Consumer(t.consumer)
	if !ok {
		t.add("HAI0603", "higress-ai consumer add "+t.consumer, "%q is not a consumer of wasmplugin %q", t.consumer, p.Ref())
		return
	}
	t.add("HAI0604", "", "%q presents its key as %s", t.consumer, orNone([]string{c.Where()}))
	gate, err := access.GateOn(&p, cfg, t.scope)
	if err != nil {
		t.add("HAI0603", "", "key-auth's rules cannot be read (%v)", err)
		return
	}
	rule := "the global config"
	if gate.Rule != "" {
		rule = "the rule for " + gate.Rule
	}
	switch {
	case !gate.Key:
		t.add("HAI0605", "higress-ai route bind "+t.route+" --consumer "+t.consumer, "key-auth does not run on the route (%s): anyone may call it without a key, and the request carries no consumer", rule)
	case !gate.Admits(t.consumer):
		t.add("HAI0606", "higress-ai route bind "+t.route+" --consumer "+t.consumer, "%s allows %s, not %q: key-auth answers 403", rule, orNone(gate.Allow), t.consumer)
	default:
		who := "any consumer's key"
		if gate.Allow != nil {
			who = "its allow list " + strings.Join(gate.Allow, ", ")
		}
		t.add("HAI0604", "", "key-auth admits %q on the route (%s: %s)", t.consumer, rule, who)
	}
}

func (t *tracer) blocked() {
	for _, p := range byKind(t.g, requestblock.Plugin) {
		var raw map[string]any
		where := "global"
		r, ok, err := t.scope.Effective(p)
		switch {
		case err != nil:
			continue
		case ok:
			raw, where = r.Config(), "rule for "+r.Targets()
		case !p.GlobalDisabled():
			raw = p.DefaultConfig()
		}
		cfg, err := requestblock.Parse(raw)
		if err != nil || cfg == nil {
			continue
		}
		words := cfg.Words()
		if len(words) == 0 {
			continue
		}
		names := make([]string, len(words))
		for i, w := range words {
			names[i] = fmt.Sprintf("%q (%s)", w.Text, w.In)
		}
		t.add("HAI0604", "higress-ai block test TEXT --route "+t.route, "request-block (%s) refuses requests containing %s", where, strings.Join(names, ", "))
	}
}

func (t *tracer) limit() {
	for _, p := range byKind(t.g, ratelimit.Plugin) {
		var raw map[string]any
		r, ok, err := t.scope.Effective(p)
		switch {
		case err != nil:
			continue
		case ok:
			raw = r.Config()
		case !p.GlobalDisabled():
			raw = p.DefaultConfig()
		}
		cfg, err := ratelimit.Parse(raw)
		if err != nil {
			t.add("HAI0501", "", "the ai-token-ratelimit config in force does not load (%v): no limit applies", err)
			continue
		}
		if cfg.Global != nil {
			t.add("HAI0604", "", "every request shares one limit of %d tokens per %s", cfg.Global.Tokens, cfg.Global.Window.Short())
			continue
		}
		if _, l, ok, _ := cfg.Match(t.consumer); ok {
			t.add("HAI0604", "higress-ai limit replay --log-file LOG", "%q is limited to %d tokens per %s (how much is left is in Redis)", t.consumer, l.Tokens, l.Window.Short())
			continue
		}
		t.add("HAI0604", "", "no token limit applies to %q", t.consumer)
	}
}

func (t *tracer) provider() {
	for _, p := range t.g.Plugins {
		if p.Name() != aiproxy.Resource {
			continue
		}
		bindings, err := aiplugin.Bindings(p)
		if err != nil {
			return
		}
		id, ok := bindings[t.route]
		if !ok {
			t.add("HAI0607", "higress-ai route bind "+t.route+" --provider ID", "the bundled ai-proxy does not serve the route: no provider answers it through higress-ai")
			return
		}
		cfg, err := aiproxy.Parse(p.DefaultConfig())
		if err != nil {
			return
		}
		prov, _ := cfg.Provider(id)
		keys := "its upstream key held by the gateway"
		if aiproxy.Keyless(prov.Type()) {
			keys = "no upstream key (a keyless " + prov.Type() + " server)"
		}
		t.add("HAI0604", "", "the bundled ai-proxy sends it to provider %q (%s) with %s", id, prov.Type(), keys)
		if models, listed := cfg.Models(t.consumer); listed {
			t.models = models
			if len(models) == 0 {
				t.add("HAI0608", "higress-ai consumer models "+t.consumer+" MODEL,...", "%q may call no model: the plugin refuses every request (403 model_not_allowed)", t.consumer)
				return
			}
			t.add("HAI0604", "", "%q may call %s", t.consumer, termsafe.Escape(strings.Join(models, ", ")))
		} else if len(cfg.Consumers()) > 0 {
			t.add("HAI0604", "", "%q has no model list of its own: the plugin's models for other callers apply", t.consumer)
		}
		return
	}
	if len(byKind(t.g, "ai-proxy")) == 0 {
		t.add("HAI0607", "higress-ai plugin install, then route bind "+t.route+" --provider ID", "no ai-proxy runs: nothing sends the request to a model")
	}
}

func (t *tracer) usageStep() {
	stats := byKind(t.g, "ai-statistics")
	bundled := false
	for _, p := range t.g.Plugins {
		if p.Name() == aiproxy.Resource {
			bundled = true
		}
	}
	attributed := bundled
	for _, s := range stats {
		if apply, _ := consumerAttribute(s); apply {
			attributed = true
		}
	}
	switch {
	case len(stats) == 0 && !bundled:
		t.add("HAI0402", "higress-ai plugin install", "nothing writes the request's model and tokens: usage will not see it")
	case !attributed:
		t.add("HAI0403", "add the consumer attribute to ai-statistics", "its usage is logged but booked under no consumer, not %q", t.consumer)
	default:
		t.add("HAI0604", "", "its usage is logged and attributed to %q", t.consumer)
	}
	if t.prices == nil {
		return
	}
	var unpriced []string
	for _, m := range t.models {
		if strings.ContainsAny(m, "*~") {
			continue
		}
		if _, ok := t.prices.Lookup(m); !ok {
			unpriced = append(unpriced, m)
		}
	}
	if len(unpriced) > 0 {
		t.add("HAI0609", "higress-ai usage --prices FILE", "no price is known for %s: their cost is reported as unpriced", strings.Join(unpriced, ", "))
	}
}
