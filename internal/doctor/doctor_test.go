package doctor

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

var update = flag.Bool("update", false, "rewrite docs/doctor.md")

func plugins(t *testing.T, docs string) []wasmplugin.Plugin {
	t.Helper()
	var out []wasmplugin.Plugin
	for _, doc := range strings.Split(docs, "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("bad fixture: %v", err)
		}
		out = append(out, wasmplugin.Plugin{Obj: &unstructured.Unstructured{Object: m}})
	}
	return out
}

const labels = `
  labels:
    higress.io/resource-definer: higress`

// healthy is a gateway as higress-ai and the console set it up.
var healthy = `
apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: key-auth.internal
  namespace: higress-system` + labels + `
    higress.io/wasm-plugin-name: key-auth
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0
  phase: AUTHN
  priority: 310
  failStrategy: FAIL_CLOSE
  defaultConfig:
    global_auth: false
    keys: [x-higress-dummy-key]
    consumers:
    - {name: alice, credentials: ["Bearer hai_aaaaaaaaaaaaaaaaaaaaaa"], keys: [Authorization], in_header: true, in_query: false}
    - {name: bob, credentials: ["Bearer hai_bbbbbbbbbbbbbbbbbbbbbb"], keys: [Authorization], in_header: true, in_query: false}
  matchRules:
  - ingress: [gpt-4o]
    config: {allow: [alice, bob]}
---
apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: request-block-2.0.0
  namespace: higress-system` + labels + `
    higress.io/wasm-plugin-name: request-block
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/request-block:2.0.0
  phase: AUTHZ
  priority: 320
  failStrategy: FAIL_CLOSE
  defaultConfig: {block_bodies: [password], block_bodys: [password], case_sensitive: false}
---
apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: higress-ai-proxy
  namespace: higress-system` + labels + `
    higress.io/wasm-plugin-name: ai-proxy
spec:
  url: oci://registry.example.com/higress-ai/ai-proxy@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  priority: 100
  failStrategy: FAIL_CLOSE
  defaultConfig:
    providers: [{id: openai, type: openai, apiTokens: [sk-test]}]
    keyAuth: {global: false, routes: [gpt-4o], domains: [], keys: [authorization, x-higress-dummy-key], queryKeys: [x-higress-dummy-key]}
---
apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: ai-token-ratelimit-2.0.1
  namespace: higress-system` + labels + `
    higress.io/wasm-plugin-name: ai-token-ratelimit
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/ai-token-ratelimit:2.0.1
  priority: 600
  failStrategy: FAIL_OPEN
  defaultConfig:
    rule_name: limits
    redis: {service_name: redis.static}
    rule_items:
    - limit_by_consumer: ''
      limit_keys: [{key: alice, token_per_minute: 1000}]
    - limit_by_per_consumer: ''
      limit_keys: [{key: '*', token_per_hour: 50000}]`

func codes(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

func TestHealthyGatewayHasNothingAboveInfo(t *testing.T) {
	g := Gateway{Namespace: "higress-system", Plugins: plugins(t, healthy), Routes: []k8s.Route{{Name: "gpt-4o"}}, RoutesKnown: true,
		Cluster: &Cluster{Context: "prod", Server: "https://127.0.0.1:6443", CRD: true, AccessLogFormatKnown: true,
			AccessLogFormat: `{"ai_log":"%FILTER_STATE(wasm.ai_log:PLAIN)%","route_name":"%ROUTE_NAME%"}`}}
	fs := Check(g)
	if n := AtOrAbove(fs, Warning); n != 0 {
		t.Fatalf("a healthy gateway has %d findings above info: %+v", n, fs)
	}
	for _, want := range []string{"HAI0104", "HAI0201"} {
		if !slices.Contains(codes(fs), want) {
			t.Errorf("no %s in %v", want, codes(fs))
		}
	}
}

// Each check, produced on purpose in one broken gateway and asserted by code and object.
func TestBrokenGateway(t *testing.T) {
	broken := `
apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: key-auth.internal, namespace: higress-system}
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0
  phase: UNSPECIFIED_PHASE
  priority: 10
  failStrategy: FAIL_OPEN
  defaultConfig:
    global_auth: true
    consumers:
    - {name: alice, credentials: ["Bearer same-key-1234567890"]}
    - {name: bob, credential: "same-key-1234567890"}
  matchRules:
  - ingress: [gpt-4o]
    config: {allow: [alice, carol]}
  - ingress: [typo-route]
    config: {allow: []}
  - domain: [old.example.com]
    configDisable: true
    config: {allow: [bob]}
  - config: {allow: [bob]}
---
apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: ai-statistics-2.0.1, namespace: higress-system}
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/ai-statistics:2.0.1
  priority: 900
  defaultConfig:
    attributes: [{key: consumer, value_source: request_header, value: x-mse-consumer, apply_to_log: true, as_separate_log_field: true}]
---
apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: ai-proxy, namespace: higress-system}
spec:
  url: oci://registry.example.com/ai-proxy:latest
  priority: 100
  pluginConfig: {provider: {type: openai}}
---
apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: ai-token-ratelimit-2.0.1, namespace: higress-system}
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/ai-token-ratelimit:2.0.1
  priority: 600
  defaultConfig:
    rule_name: limits
    redis: {service_name: redis.static}
    rule_items:
    - limit_by_per_consumer: ''
      limit_keys: [{key: '*', token_per_hour: 50000}]
    - limit_by_consumer: ''
      limit_keys: [{key: alice, token_per_minute: 1000}]
  matchRules:
  - ingress: [gpt-4o]
    config: {rule_name: r, rule_items: [{limit_by_consumer: '', limit_keys: [{key: a, token_per_minute: 1}]}]}`
	g := Gateway{Namespace: "higress-system", Plugins: plugins(t, broken), Routes: []k8s.Route{{Name: "gpt-4o"}}, RoutesKnown: true,
		Cluster: &Cluster{Context: "prod", CRD: false, Denied: []string{"update wasmplugins"}, AccessLogFormatKnown: true, AccessLogFormat: `{"route_name":"%ROUTE_NAME%"}`,
			GatewayLog: []string{`[wasm] error: failed to load wasm plugin ai-proxy: parse config failed: provider: required`}}}
	fs := Check(g)
	want := []struct{ code, object, text string }{
		{"HAI0102", "crd/wasmplugins.extensions.higress.io", "not installed"},
		{"HAI0103", "rbac/update/wasmplugins", "may not update wasmplugins"},
		{"HAI0202", "wasmplugin/ai-proxy", "not pinned"},
		{"HAI0203", "wasmplugin/ai-proxy", "pluginConfig"},
		{"HAI0204", "wasmplugin/key-auth.internal", "matchRules[3] names no ingress"},
		{"HAI0205", "wasmplugin/key-auth.internal", "fails open"},
		{"HAI0207", "wasmplugin/ai-proxy", "does not list it"},
		{"HAI0211", "wasmplugin/ai-token-ratelimit-2.0.1", "runs before key-auth"},
		{"HAI0211", "wasmplugin/ai-statistics-2.0.1", "runs before key-auth"},
		{"HAI0302", "wasmplugin/key-auth.internal matchRules[0] (route gpt-4o)", `allows "carol"`},
		{"HAI0303", "wasmplugin/key-auth.internal", `"alice" and "bob" hold the same key`},
		{"HAI0304", "route/typo-route", "no Ingress"},
		{"HAI0305", "wasmplugin/key-auth.internal", "resets it to false"},
		{"HAI0307", "wasmplugin/key-auth.internal matchRules[1] (route typo-route)", "allow is empty"},
		{"HAI0309", "wasmplugin/key-auth.internal matchRules[2] (domain old.example.com)", "disabled"},
		{"HAI0401", "configmap/higress-config", "no ai_log"},
		{"HAI0404", "configmap/higress-config", "separate log field"},
		{"HAI0405", "pods/higress-gateway", "parse config failed"},
		{"HAI0501", "wasmplugin/ai-token-ratelimit-2.0.1", "spec.matchRules[0].config: redis: required"},
		{"HAI0502", "wasmplugin/ai-token-ratelimit-2.0.1", `limit of "alice"`},
	}
	for _, w := range want {
		found := false
		for _, f := range fs {
			if f.Code == w.code && f.Object == w.object && strings.Contains(f.Message, w.text) {
				found = true
				if f.Level < Warning && Codes[w.code].Level >= Warning {
					t.Errorf("%s has level %s", w.code, f.Level)
				}
				if strings.Contains(f.Message, "\n") {
					t.Errorf("%s: message of more than one line: %q", w.code, f.Message)
				}
			}
		}
		if !found {
			t.Errorf("no %s on %s containing %q; got:\n%s", w.code, w.object, w.text, dump(fs))
		}
	}
	t.Log("\n" + dump(fs))
	if fs[0].Level != Error {
		t.Errorf("findings are not most serious first: %+v", fs[0])
	}
	for _, f := range fs {
		if strings.Contains(f.Message, "same-key-1234567890") || strings.Contains(f.Fix, "same-key-1234567890") {
			t.Errorf("a finding prints a key: %+v", f)
		}
	}
}

func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Code + " " + f.Object + ": " + f.Message + "\n")
	}
	return b.String()
}

func TestNoKeyAuthAndNothingLogsUsage(t *testing.T) {
	fs := Check(Gateway{Namespace: "higress-system"})
	if got := codes(fs); !slices.Contains(got, "HAI0308") || !slices.Contains(got, "HAI0402") {
		t.Errorf("an empty gateway: %v, want HAI0308 and HAI0402", got)
	}
}

func TestSuppress(t *testing.T) {
	fs := []Finding{{Code: "HAI0302", Object: "route/a"}, {Code: "HAI0302", Object: "wasmplugin/x"}, {Code: "HAI0305", Object: "wasmplugin/x"}}
	s1, err := ParseSuppression("HAI0302=route/*")
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := ParseSuppression("HAI0305")
	got := Filter(fs, []Suppression{s1, s2})
	if len(got) != 1 || got[0].Object != "wasmplugin/x" || got[0].Code != "HAI0302" {
		t.Errorf("filtered %+v", got)
	}
	if _, err := ParseSuppression("HAI9999"); err == nil {
		t.Error("an unknown code was accepted")
	}
}

// docs/doctor.md documents every code, generated from the table.
func TestDocsFresh(t *testing.T) {
	const path = "../../docs/doctor.md"
	want := Markdown()
	if *update {
		if err := os.MkdirAll("../../docs", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("docs/doctor.md is stale (%v): go test ./internal/doctor -update", err)
	}
	for _, id := range CodeIDs() {
		if !strings.Contains(want, "## "+id+":") {
			t.Errorf("%s is not documented", id)
		}
	}
}

// The bundled ai-proxy, installed by plugin install under its own name label, is checked as an
// ai-proxy: failing open is flagged, and it counts as what logs usage.
func TestBundledProxyIsAnAIProxy(t *testing.T) {
	g := Gateway{Namespace: "higress-system", Plugins: plugins(t, `
apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: higress-ai-proxy
  labels:
    higress.io/resource-definer: higress
    higress.io/wasm-plugin-name: higress-ai-proxy
spec:
  url: oci://registry.example.com/ai/ai-proxy@sha256:0123
  phase: UNSPECIFIED_PHASE
  priority: 100
  failStrategy: FAIL_OPEN
  defaultConfigDisable: true`)}
	got := dump(Check(g))
	if !strings.Contains(got, "HAI0205 wasmplugin/higress-ai-proxy") || strings.Contains(got, "HAI0402") {
		t.Fatalf("findings:\n%s", got)
	}
}

// The bundled ai-proxy: a provider without its key, and a keyAuth record that no longer matches
// key-auth (a rule added elsewhere).
func TestBundledProxyChecks(t *testing.T) {
	docs := strings.Replace(healthy, "providers: [{id: openai, type: openai, apiTokens: [sk-test]}]", "providers: [{id: openai, type: openai}]", 1)
	docs = strings.Replace(docs, "  - ingress: [gpt-4o]\n    config: {allow: [alice, bob]}", "  - ingress: [gpt-4o]\n    config: {allow: [alice, bob]}\n  - ingress: [claude]\n    config: {allow: [alice]}", 1)
	fs := Check(Gateway{Namespace: "higress-system", Plugins: plugins(t, docs)})
	got := codes(fs)
	if !slices.Contains(got, "HAI0701") || !slices.Contains(got, "HAI0702") {
		t.Fatalf("findings %v, want HAI0701 and HAI0702:\n%s", got, dump(fs))
	}
	for _, f := range fs {
		if f.Code == "HAI0702" && !strings.Contains(f.Message, "routes gpt-4o, domains") {
			t.Errorf("drift message %q", f.Message)
		}
	}
}
