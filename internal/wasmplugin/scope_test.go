package wasmplugin

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/higress-ai/higress-ai/internal/k8s"
)

// rulesFixture has a domain rule, a two-route rule, a route with a rule of its own and a rule with a
// field this tool does not know.
func rulesFixture() Plugin {
	p := Plugin{Obj: plugin("x", "oci://r/key-auth:1", nil)}
	p.Obj.Object["spec"].(map[string]any)["matchRules"] = []any{
		map[string]any{"domain": []any{"ai.example.com"}, "config": map[string]any{"allow": []any{"a"}}},
		map[string]any{"ingress": []any{"gpt-4o", "deepseek"}, "config": map[string]any{"allow": []any{"b"}}, "x_kept": true},
		map[string]any{"ingress": []any{"qwen"}, "config": map[string]any{"allow": []any{"c"}}, "configDisable": true},
	}
	return p
}

func targets(t *testing.T, p Plugin) []string {
	t.Helper()
	rules, err := p.Rules()
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, r := range rules {
		out = append(out, r.Targets())
	}
	return out
}

func TestScopeRuleAndEffective(t *testing.T) {
	p := rulesFixture()
	cases := []struct {
		scope       Scope
		own, effect string // Targets of the owned and effective rules, "" for none
	}{
		// qwen's own rule is disabled: Higress drops it, and nothing else names qwen.
		{Scope{Route: "qwen"}, "route qwen", ""},
		{Scope{Route: "gpt-4o"}, "", "route gpt-4o, deepseek"},
		{Scope{Route: "gpt"}, "", ""},
		{Scope{Domain: "ai.example.com"}, "domain ai.example.com", "domain ai.example.com"},
		{Scope{Domain: "example.com"}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.scope.String(), func(t *testing.T) {
			r, ok, err := tc.scope.Rule(p)
			if err != nil || ok != (tc.own != "") || (ok && r.Targets() != tc.own) {
				t.Fatalf("Rule = %v %v %v, want %q", r.Targets(), ok, err, tc.own)
			}
			r, ok, err = tc.scope.Effective(p)
			if err != nil || ok != (tc.effect != "") || (ok && r.Targets() != tc.effect) {
				t.Fatalf("Effective = %v %v %v, want %q", r.Targets(), ok, err, tc.effect)
			}
		})
	}
	if (Scope{}).String() != "global" || !(Scope{}).Global() || (Scope{Route: "a", Domain: "b"}).Check() == nil {
		t.Fatal("global scope or Check")
	}
}

func TestEffectiveSkipsDisabledRulesAndFallsThrough(t *testing.T) {
	p := Plugin{Obj: plugin("x", "oci://r/key-auth:1", nil)}
	p.Obj.Object["spec"].(map[string]any)["matchRules"] = []any{
		map[string]any{"ingress": []any{"gpt-4o"}, "config": map[string]any{"allow": []any{"a"}}, "configDisable": true},
		map[string]any{"domain": []any{"*.example.com"}, "config": map[string]any{"allow": []any{"b"}}},
		map[string]any{"ingress": []any{"gpt-4o", "qwen"}, "config": map[string]any{"allow": []any{"c"}}},
		map[string]any{"domain": []any{"api.*"}, "config": map[string]any{"allow": []any{"d"}}, "configDisable": true},
	}
	cases := []struct {
		scope  Scope
		effect string
	}{
		{Scope{Route: "gpt-4o"}, "route gpt-4o, qwen"},
		{Scope{Route: "gpt-4o", Hosts: []string{"ai.example.com"}}, "domain *.example.com"},
		{Scope{Route: "qwen", Hosts: []string{"api.other.org"}}, "route gpt-4o, qwen"},
		{Scope{Domain: "ai.example.com"}, "domain *.example.com"},
		{Scope{Domain: "api.other.org"}, ""},
		{Scope{}, ""},
	}
	for _, tc := range cases {
		r, ok, err := tc.scope.Effective(p)
		if err != nil || ok != (tc.effect != "") || (ok && r.Targets() != tc.effect) {
			t.Errorf("%s %v: Effective = %q %v %v, want %q", tc.scope, tc.scope.Hosts, r.Targets(), ok, err, tc.effect)
		}
	}
	enabled, err := Enabled(p)
	if err != nil || len(enabled) != 2 || enabled[0].Index != 1 || enabled[1].Index != 2 {
		t.Fatalf("Enabled = %+v %v", enabled, err)
	}
	// A new domain rule goes before the wildcard rule that would otherwise take its requests.
	if _, _, err := (Scope{Domain: "ai.example.com"}).EnsureRule(p, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	if got := targets(t, p); !reflect.DeepEqual(got, []string{"route gpt-4o", "domain ai.example.com", "domain *.example.com", "route gpt-4o, qwen", "domain api.*"}) {
		t.Fatalf("rules = %v", got)
	}
}

func TestKnownRoutes(t *testing.T) {
	p := rulesFixture()
	ingresses := []k8s.Route{{Name: "team-a/kimi", Namespace: "team-a", Hosts: []string{"kimi.example.com"}}, {Name: "qwen", Namespace: "higress-system"}}
	var names []string
	for _, r := range KnownRoutes(ingresses, &p, nil) {
		names = append(names, r.Name)
	}
	if !reflect.DeepEqual(names, []string{"deepseek", "gpt-4o", "qwen", "team-a/kimi"}) {
		t.Fatalf("KnownRoutes = %v", names)
	}
	if r, ok := LookupRoute("team-a/kimi", ingresses, &p); !ok || !reflect.DeepEqual(r.Hosts, []string{"kimi.example.com"}) {
		t.Fatalf("LookupRoute(ingress) = %+v %v", r, ok)
	}
	if r, ok := LookupRoute("deepseek", ingresses, &p); !ok || r.Name != "deepseek" || r.Hosts != nil {
		t.Fatalf("LookupRoute(rule route) = %+v %v", r, ok)
	}
	if _, ok := LookupRoute("gpt", ingresses, &p); ok {
		t.Fatal("an unknown route was found")
	}
}

func TestEnsureRuleInsertsWhereHigressWillPickItAndTouchesNothingElse(t *testing.T) {
	cases := []struct {
		name  string
		scope Scope
		want  []string
	}{
		// gpt-4o is named by the two-route rule: the new rule must go before it to take effect.
		{"shared route", Scope{Route: "gpt-4o"}, []string{"domain ai.example.com", "route gpt-4o", "route gpt-4o, deepseek", "route qwen"}},
		{"new route", Scope{Route: "kimi"}, []string{"domain ai.example.com", "route gpt-4o, deepseek", "route qwen", "route kimi"}},
		{"new domain", Scope{Domain: "b.example.com"}, []string{"domain ai.example.com", "route gpt-4o, deepseek", "route qwen", "domain b.example.com"}},
		{"existing rule", Scope{Route: "qwen"}, []string{"domain ai.example.com", "route gpt-4o, deepseek", "route qwen"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := rulesFixture()
			before := runtime.DeepCopyJSON(p.Obj.Object)
			r, created, err := tc.scope.EnsureRule(p, map[string]any{"allow": []any{}})
			if err != nil {
				t.Fatal(err)
			}
			if got := targets(t, p); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("rules = %v, want %v", got, tc.want)
			}
			if created != (tc.name != "existing rule") || (!created && r.Index != 2) {
				t.Fatalf("created = %v, rule %+v", created, r)
			}
			// Every rule that was there is still there, unchanged and in the same order.
			old := before["spec"].(map[string]any)["matchRules"].([]any)
			var kept []any
			for _, x := range p.Obj.Object["spec"].(map[string]any)["matchRules"].([]any) {
				for _, o := range old {
					if reflect.DeepEqual(x, o) {
						kept = append(kept, x)
					}
				}
			}
			if !reflect.DeepEqual(kept, old) {
				t.Fatalf("other rules changed:\n%v\nwas %v", p.Obj.Object["spec"], old)
			}
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRemoveRuleRemovesOnlyTheOwnedRule(t *testing.T) {
	p := rulesFixture()
	if err := (Scope{Route: "gpt-4o"}).RemoveRule(p); err != nil {
		t.Fatal(err)
	}
	if got := targets(t, p); len(got) != 3 {
		t.Fatalf("a shared rule was removed: %v", got)
	}
	if err := (Scope{Route: "qwen"}).RemoveRule(p); err != nil {
		t.Fatal(err)
	}
	if got := targets(t, p); !reflect.DeepEqual(got, []string{"domain ai.example.com", "route gpt-4o, deepseek"}) {
		t.Fatalf("rules = %v", got)
	}
	for _, s := range []Scope{{Domain: "ai.example.com"}, {Route: "gpt-4o"}} {
		_ = s.RemoveRule(p)
	}
	if err := (Scope{Route: "deepseek"}).RemoveRule(p); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Obj.Object["spec"].(map[string]any)["matchRules"]; !ok {
		t.Fatal("the shared rule should remain")
	}
}

func TestRouteHostsBringInDomainRules(t *testing.T) {
	p := rulesFixture()
	s := Scope{Route: "kimi", Hosts: []string{"ai.example.com:443"}}
	r, ok, err := s.Effective(p)
	if err != nil || !ok || r.Targets() != "domain ai.example.com" {
		t.Fatalf("Effective = %v %v %v", r.Targets(), ok, err)
	}
	// The domain rule comes first, so a rule of the route's own must go before it to take effect.
	if _, _, err := s.EnsureRule(p, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	if got := targets(t, p); !reflect.DeepEqual(got, []string{"route kimi", "domain ai.example.com", "route gpt-4o, deepseek", "route qwen"}) {
		t.Fatalf("rules = %v", got)
	}
	for _, tc := range []struct {
		pattern, host string
		want          bool
	}{
		// route_rule_matcher.h hostMatch / rule_matcher.go hostMatch: "*x" is a plain suffix
		// match, "x*" a plain prefix match, the rest equality; case matters.
		{"*.example.com", "ai.example.com", true},
		{"*.example.com", "example.com", false},
		{"*example.com", "example.com", true},
		{"*example.com", "badexample.com", true},
		{"ai.example.com", "AI.example.com", false},
		{"AI.example.com", "ai.example.com", false},
		{"api*", "api.example.com", true},
		{"[::1]", "[::1]", true},
		{"ai.example.com", "ai.example.com:", true},
		{"ai.example.com", "ai.example.com:8080", true},
		{"ai.example.com", "b.example.com", false},
		{"api.*", "api.example.com", true},
		{"api.*", "web.example.com", false},
		{"ai.example.com", "", false},
	} {
		if got := DomainMatches(tc.pattern, tc.host); got != tc.want {
			t.Errorf("DomainMatches(%q, %q) = %v", tc.pattern, tc.host, got)
		}
	}
}

// TestRuleCategories follows route_rule_matcher.h (parseRuleConfig, getMatchConfig) and wasm-go's
// rule_matcher.go (ParseRuleConfig, GetMatchConfig): a rule naming a route is a route rule whatever
// domain it names; with a service it also needs the route's upstream service; a rule naming a
// domain and a service matches by service in the C++ matcher and by domain in the Go one.
func TestRuleCategories(t *testing.T) {
	p := Plugin{Obj: plugin("x", "oci://r/key-auth:1", nil)}
	p.Obj.Object["spec"].(map[string]any)["matchRules"] = []any{
		map[string]any{"ingress": []any{"gpt-4o"}, "domain": []any{"ai.example.com"}, "config": map[string]any{"n": "route+domain"}},
		map[string]any{"ingress": []any{"qwen"}, "service": []any{"qwen.default.svc.cluster.local:8000"}, "config": map[string]any{"n": "route+service"}},
		map[string]any{"domain": []any{"*example.com"}, "service": []any{"llm.internal.dns"}, "config": map[string]any{"n": "domain+service"}},
		map[string]any{"service": []any{"deepseek.default.svc.cluster.local"}, "config": map[string]any{"n": "service"}},
	}
	cases := []struct {
		name  string
		scope Scope
		want  string // the rule's "n", "" for none
	}{
		// The route+domain rule is a route rule: the domain is never consulted.
		{"route of a route+domain rule", Scope{Route: "gpt-4o", Hosts: []string{"other.org"}}, "route+domain"},
		{"host of a route+domain rule", Scope{Route: "kimi", Hosts: []string{"ai.example.com"}, Services: []string{"x.svc:80"}, Matcher: MatcherGo}, "domain+service"},
		{"domain scope ignores a route+domain rule, C++", Scope{Domain: "ai.example.com"}, ""},
		{"domain scope, Go", Scope{Domain: "ai.example.com", Matcher: MatcherGo}, "domain+service"},
		// Route and service: both must match.
		{"route+service, service matches", Scope{Route: "qwen", Services: []string{"qwen.default.svc.cluster.local:8000"}}, "route+service"},
		{"route+service, other port", Scope{Route: "qwen", Services: []string{"qwen.default.svc.cluster.local:9000"}}, ""},
		{"route+service, services unknown", Scope{Route: "qwen"}, ""},
		// C++: domain+service matches by service (cluster_name); Go: by domain (:authority).
		{"domain+service by service, C++", Scope{Route: "r", Hosts: []string{"example.com"}, Services: []string{"llm.internal.dns:443"}}, "domain+service"},
		{"domain+service by host, C++", Scope{Route: "r", Hosts: []string{"example.com"}, Services: []string{"other.dns:443"}}, ""},
		{"domain+service by host, Go", Scope{Route: "r", Hosts: []string{"example.com"}, Services: []string{"other.dns:443"}, Matcher: MatcherGo}, "domain+service"},
		// A service rule: fqdn matches any port, fqdn:port that port only.
		{"service rule", Scope{Route: "deepseek", Services: []string{"deepseek.default.svc.cluster.local:80"}}, "service"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, ok, err := tc.scope.Effective(p)
			got := ""
			if ok {
				got = r.Config()["n"].(string)
			}
			if err != nil || got != tc.want {
				t.Fatalf("Effective = %q %v, want %q", got, err, tc.want)
			}
		})
	}
	domains, err := RuleDomains(p, MatcherCPP)
	if err != nil || len(domains) != 0 {
		t.Fatalf("C++ RuleDomains = %v %v: a route rule's or a service rule's domain is not a domain rule", domains, err)
	}
	if domains, _ := RuleDomains(p, MatcherGo); !reflect.DeepEqual(domains, []string{"*example.com"}) {
		t.Fatalf("Go RuleDomains = %v", domains)
	}
}
