package aiplugin

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

const ns = "higress-system"

func obj(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(y), &m); err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

func storeWith(t *testing.T, docs ...string) k8s.Store {
	t.Helper()
	s, err := k8s.NewDirStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if _, err := s.Create(context.Background(), obj(t, d), k8s.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func keyAuthDoc(defaultConfig, rules string) string {
	return `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: key-auth.internal, namespace: higress-system}
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0
  defaultConfig: ` + defaultConfig + `
  matchRules: ` + rules + "\n"
}

func TestKeyAuthBlock(t *testing.T) {
	consumers := `consumers: [{name: a, credentials: ["Bearer k-0123456789abcdef"], keys: [Authorization], in_header: true, in_query: false}, {name: q, credentials: [q-0123456789abcdef], keys: [apikey], in_query: true, in_header: false}]`
	cases := []struct {
		name   string
		config string
		rules  string
		want   aiproxy.KeyAuth
	}{
		{"console layout", "{global_auth: false, keys: [x-higress-dummy-key], in_query: false, " + consumers + "}",
			"[{ingress: [gpt-4o], config: {allow: [a]}}, {domain: [ai.example.com], config: {allow: [q]}}, {ingress: [off], config: {allow: [a]}, configDisable: true}]",
			aiproxy.KeyAuth{Routes: []string{"gpt-4o"}, Domains: []string{"ai.example.com"}, Keys: []string{"authorization", "x-higress-dummy-key"}, QueryKeys: []string{"apikey"}}},
		{"global_auth true", "{global_auth: true, keys: [x-api-key], in_query: false}", "[]",
			aiproxy.KeyAuth{Global: true, Routes: []string{}, Domains: []string{}, Keys: []string{"x-api-key"}, QueryKeys: []string{}}},
		{"global_auth unset and no rule: every request", "{keys: [x-api-key]}", "[]",
			aiproxy.KeyAuth{Global: true, Routes: []string{}, Domains: []string{}, Keys: []string{"x-api-key"}, QueryKeys: []string{"x-api-key"}}},
		{"global_auth unset with a rule: only there", "{keys: [x-api-key], in_query: false}", "[{ingress: [r1, ns/r2], domain: [ignored.example.com], config: {allow: [a]}}]",
			aiproxy.KeyAuth{Routes: []string{"ns/r2", "r1"}, Domains: []string{}, Keys: []string{"x-api-key"}, QueryKeys: []string{}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := wasmplugin.Plugin{Obj: obj(t, keyAuthDoc(tc.config, tc.rules))}
			cfg, err := keyauth.Parse(p.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			got, err := KeyAuthBlock(&p, cfg)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("KeyAuthBlock = %+v %v\nwant %+v", got, err, tc.want)
			}
		})
	}
	none, err := KeyAuthBlock(nil, nil)
	if err != nil || none.Global || len(none.Routes) != 0 || none.Keys == nil {
		t.Fatalf("no key-auth: %+v %v", none, err)
	}
}

func installed(t *testing.T, docs ...string) k8s.Store {
	t.Helper()
	s := storeWith(t, docs...)
	img, _ := aiproxy.ParseImage("oci://r/ai-proxy@sha256:"+strings.Repeat("a", 64), false)
	if _, err := Install(context.Background(), s, InstallOptions{Namespace: ns, Image: img, DryRun: wasmplugin.DryRunNone}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBindRouteGoesBeforeASharedRuleAndFollowsTheSharedConfig(t *testing.T) {
	ctx := context.Background()
	s := installed(t, keyAuthDoc("{global_auth: true, keys: [authorization]}", "[]"))
	for _, id := range []string{"a", "b"} {
		if _, err := AddProvider(ctx, s, ns, wasmplugin.DryRunNone, aiproxy.ProviderSpec{ID: id, Type: "vllm"}); err != nil {
			t.Fatal(err)
		}
	}
	// A hand-written rule for two routes, pointing at b.
	_, err := edit(ctx, s, ns, wasmplugin.DryRunNone, func(p wasmplugin.Plugin) error {
		p.SetRules([]wasmplugin.Rule{})
		p.Obj.Object["spec"].(map[string]any)["matchRules"] = []any{map[string]any{"ingress": []any{"r1", "r2"}, "config": map[string]any{"activeProviderId": "b"}}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := BindRoute(ctx, s, BindOptions{Namespace: ns, Route: "r1", Provider: "a", DryRun: wasmplugin.DryRunNone})
	if err != nil || res.Uncovered {
		t.Fatalf("bind: %+v %v", res, err)
	}
	b, err := Bindings(res.Plugin)
	if err != nil || !reflect.DeepEqual(b, map[string]string{"r1": "a", "r2": "b"}) {
		t.Fatalf("bindings %v %v", b, err)
	}
	// A shared-config change reaches both rules, the hand-written one included.
	if _, err := AddProvider(ctx, s, ns, wasmplugin.DryRunNone, aiproxy.ProviderSpec{ID: "c", Type: "ollama"}); err != nil {
		t.Fatal(err)
	}
	p, _ := Find(ctx, s, ns)
	rules, _ := p.Rules()
	for _, r := range rules {
		if n := len(r.Config()["providers"].([]any)); n != 3 {
			t.Fatalf("rule %s has %d providers", r.Targets(), n)
		}
	}
	// Unknown routes are refused when the route list is known.
	if _, err := BindRoute(ctx, s, BindOptions{Namespace: ns, Route: "r9", Provider: "a", Routes: []k8s.Route{{Name: "r1"}}}); err == nil || !strings.Contains(err.Error(), "--any-route") {
		t.Fatalf("unknown route: %v", err)
	}
	// Removing a bound provider: refused, then with force its rule goes.
	_, _, err = RemoveProvider(ctx, s, ns, wasmplugin.DryRunNone, "b", false)
	var bound *BoundError
	if !errors.As(err, &bound) || !reflect.DeepEqual(bound.Routes, []string{"r1", "r2"}) {
		t.Fatalf("remove bound: %v", err)
	}
	if _, unbound, err := RemoveProvider(ctx, s, ns, wasmplugin.DryRunNone, "b", true); err != nil || len(unbound) != 2 {
		t.Fatalf("force: %v %v", unbound, err)
	}
	p, _ = Find(ctx, s, ns)
	if b, _ := Bindings(*p); !reflect.DeepEqual(b, map[string]string{"r1": "a"}) {
		t.Fatalf("after remove: %v", b)
	}
}

func TestInstallWarnsWhereKeyAuthDoesNotRun(t *testing.T) {
	ctx := context.Background()
	s := installed(t, keyAuthDoc("{global_auth: false, keys: [authorization]}", "[{domain: [ai.example.com], config: {allow: []}}]"))
	if _, err := AddProvider(ctx, s, ns, wasmplugin.DryRunNone, aiproxy.ProviderSpec{ID: "a", Type: "vllm"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"by-host", "bare"} {
		if _, err := BindRoute(ctx, s, BindOptions{Namespace: ns, Route: r, Provider: "a", AnyRoute: true}); err != nil {
			t.Fatal(err)
		}
	}
	img, _ := aiproxy.ParseImage("oci://r/ai-proxy@sha256:"+strings.Repeat("b", 64), false)
	res, err := Install(ctx, s, InstallOptions{Namespace: ns, Image: img, Routes: []k8s.Route{{Name: "by-host", Hosts: []string{"ai.example.com"}}}})
	if err != nil || !reflect.DeepEqual(res.Uncovered, []string{"bare"}) || res.NoKeyAuth {
		t.Fatalf("uncovered %v %v", res.Uncovered, err)
	}
}

func TestTheConsolesConfigWouldNotLoadInTheBundledPlugin(t *testing.T) {
	// Why the bundled plugin does not take over ai-proxy.internal: the console writes providers
	// the bundled plugin refuses (and resets failStrategy and the image on its saves).
	raw := obj(t, "{providers: [{id: anthropic, type: claude, protocol: openai/v1, apiTokens: [k]}]}").Object
	if err := aiproxy.Check(raw); err == nil || !strings.HasPrefix(err.Error(), "providers[0].") {
		t.Fatalf("Check = %v", err)
	}
	// And Find never takes the console's plugin for the bundled one.
	s := storeWith(t, `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: ai-proxy.internal, namespace: higress-system, labels: {higress.io/wasm-plugin-name: ai-proxy}}
spec: {url: "oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/ai-proxy:2.0.1", defaultConfig: {}}`)
	if p, err := Find(context.Background(), s, ns); p != nil || err != nil {
		t.Fatalf("Find = %v %v", p, err)
	}
}

func TestEnsureStatisticsCreatesAsTheConsoleDoes(t *testing.T) {
	res, removed, err := EnsureStatistics(context.Background(), storeWith(t), ns, wasmplugin.DryRunNone)
	if err != nil || removed != 0 || !res.Created {
		t.Fatal(err)
	}
	p := res.Plugin
	if p.Name() != "ai-statistics-2.0.1" || p.Phase() != "UNSPECIFIED_PHASE" || p.Priority() != 900 || p.URL() != "oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/ai-statistics:2.0.1" || p.Obj.GetLabels()[wasmplugin.LabelDefiner] != "higress" {
		t.Fatalf("ai-statistics %v", p.Obj.Object)
	}
}

func TestUninstallAndRollback(t *testing.T) {
	ctx := context.Background()
	s := installed(t)
	if _, _, err := Rollback(ctx, s, ns, wasmplugin.DryRunNone); err == nil || !strings.Contains(err.Error(), "nothing to roll back to") {
		t.Fatalf("rollback of a first install: %v", err)
	}
	if _, err := Uninstall(ctx, s, ns, wasmplugin.DryRunClient); err != nil {
		t.Fatal(err)
	}
	if p, _ := Find(ctx, s, ns); p == nil {
		t.Fatal("a dry run deleted the plugin")
	}
	if _, err := Uninstall(ctx, s, ns, wasmplugin.DryRunNone); err != nil {
		t.Fatal(err)
	}
	if _, err := Uninstall(ctx, s, ns, wasmplugin.DryRunNone); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("second uninstall: %v", err)
	}
}

func TestScopes(t *testing.T) {
	cases := []struct{ spec, want string }{
		{"{defaultConfig: {}}", "global"},
		{"{defaultConfigDisable: true}", "none"},
		{"{defaultConfigDisable: true, matchRules: [{ingress: [a, b], config: {}}, {domain: [d], config: {}}, {service: [s], config: {}}, {ingress: [x], configDisable: true}]}", "2 routes, 1 domain, 1 service"},
		{"{pluginConfig: {}}", "global (pluginConfig)"},
	}
	for _, tc := range cases {
		p := wasmplugin.Plugin{Obj: obj(t, "{metadata: {name: x}, spec: "+tc.spec+"}")}
		if got, err := scopesOf(p); err != nil || got != tc.want {
			t.Errorf("scopes(%s) = %q %v, want %q", tc.spec, got, err, tc.want)
		}
	}
}

func TestOverlapsWithHigresssAIProxy(t *testing.T) {
	higress := func(name, spec string) string {
		return `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: ` + name + `, namespace: higress-system, labels: {higress.io/wasm-plugin-name: ai-proxy}}
spec: ` + spec + "\n"
	}
	cases := []struct {
		name, spec string
		want       int
	}{
		{"console layout", "{defaultConfig: {providers: [{id: a, type: qwen}]}, matchRules: [{service: [llm-a.internal.dns], config: {activeProviderId: a}}]}", 0},
		{"global provider", "{defaultConfig: {provider: {type: openai}}}", 2},
		{"global provider, disabled", "{defaultConfig: {provider: {type: openai}}, defaultConfigDisable: true}", 0},
		{"rule on the route", "{defaultConfig: {providers: []}, matchRules: [{ingress: [r1], config: {activeProviderId: a}}]}", 1},
		{"disabled rule on the route", "{defaultConfig: {providers: []}, matchRules: [{ingress: [r1], config: {activeProviderId: a}, configDisable: true}]}", 0},
		{"rule switching the global provider off", "{defaultConfig: {activeProviderId: a, providers: [{id: a}]}, matchRules: [{ingress: [r1], config: {activeProviderId: ''}}]}", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := storeWith(t, higress("ai-proxy.internal", tc.spec))
			got, err := Overlaps(context.Background(), s, ns, []string{"r1", "r2"})
			if err != nil || len(got) != tc.want {
				t.Fatalf("Overlaps = %v %v, want %d", got, err, tc.want)
			}
			if tc.want > 0 && !strings.Contains(got[0], `also served by Higress's ai-proxy (wasmplugin "higress-system/ai-proxy.internal")`) {
				t.Fatal(got[0])
			}
		})
	}
}
