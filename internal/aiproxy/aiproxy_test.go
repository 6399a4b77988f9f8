package aiproxy

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

const upstreamKey = "sk-UPSTREAM-secret-0123456789abcdef"

func mustParse(t *testing.T, y string) *Config {
	t.Helper()
	var raw map[string]any
	if err := yaml.Unmarshal([]byte(y), &raw); err != nil {
		t.Fatal(err)
	}
	c, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseImage(t *testing.T) {
	d := strings.Repeat("ab", 32)
	cases := []struct {
		ref      string
		allowTag bool
		want     Image
		err      string
	}{
		{"oci://reg.local:5000/team/ai-proxy@sha256:" + d, false, Image{URL: "oci://reg.local:5000/team/ai-proxy@sha256:" + d, SHA256: d}, ""},
		{"reg.local/ai-proxy@sha256:" + d, false, Image{URL: "oci://reg.local/ai-proxy@sha256:" + d, SHA256: d}, ""},
		{"oci://reg.local/ai-proxy:v1@sha256:" + d, false, Image{URL: "oci://reg.local/ai-proxy:v1@sha256:" + d, SHA256: d}, ""},
		{"oci://reg.local/ai-proxy:latest", false, Image{}, `has only the tag "latest": pin it by digest`},
		{"oci://reg.local/ai-proxy", false, Image{}, "has no digest"},
		{"oci://reg.local/ai-proxy:latest", true, Image{URL: "oci://reg.local/ai-proxy:latest"}, ""},
		{"oci://reg.local/ai-proxy@sha256:ABC", false, Image{}, "64 lower-case hex digits"},
		{"oci://reg.local/ai-proxy@md5:" + d, false, Image{}, "must be sha256:"},
		{"https://files.local/plugin.wasm", false, Image{}, "not pinned by digest"},
		{"https://files.local/plugin.wasm", true, Image{URL: "https://files.local/plugin.wasm"}, ""},
		{"ftp://x/y", true, Image{}, `unsupported scheme "ftp"`},
		{"", false, Image{}, "no image"},
		{"oci:///x@sha256:" + d, false, Image{}, "names no registry"},
	}
	for _, tc := range cases {
		got, err := ParseImage(tc.ref, tc.allowTag)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseImage(%q) error = %v, want %q", tc.ref, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseImage(%q) = %+v, %v; want %+v", tc.ref, got, err, tc.want)
		}
		if got.Pinned() != (tc.want.SHA256 != "") {
			t.Errorf("Pinned(%q) = %v", tc.ref, got.Pinned())
		}
	}
}

func TestAddProvider(t *testing.T) {
	cases := []struct {
		name string
		spec ProviderSpec
		want string // the provider as JSON, or the error
	}{
		{"openai", ProviderSpec{ID: "openai", Type: "openai", Tokens: []string{upstreamKey, upstreamKey}},
			`{"apiTokens":["` + upstreamKey + `"],"id":"openai","type":"openai"}`},
		{"mapping and base", ProviderSpec{ID: "ds", Type: "deepseek", BaseURL: "https://proxy.local/v1", ModelMapping: []string{"gpt-4o=deepseek-chat", "*="}, Tokens: []string{upstreamKey}},
			`{"apiTokens":["` + upstreamKey + `"],"id":"ds","modelMapping":{"*":"","gpt-4o":"deepseek-chat"},"openaiCustomUrl":"https://proxy.local/v1","type":"deepseek"}`},
		{"azure", ProviderSpec{ID: "az", Type: "azure", BaseURL: "https://r.openai.azure.com/openai?api-version=2024-10-21", Tokens: []string{upstreamKey}},
			`{"apiTokens":["` + upstreamKey + `"],"azureServiceUrl":"https://r.openai.azure.com/openai?api-version=2024-10-21","id":"az","type":"azure"}`},
		{"keyless", ProviderSpec{ID: "local", Type: "ollama"}, `{"id":"local","type":"ollama"}`},
		{"azure without api-version", ProviderSpec{ID: "az", Type: "azure", BaseURL: "https://r.openai.azure.com/openai", Tokens: []string{upstreamKey}}, "error: providers[1].azureServiceUrl: \"https://r.openai.azure.com/openai\" has no api-version query parameter"},
		{"azure without url", ProviderSpec{ID: "az", Type: "azure", Tokens: []string{upstreamKey}}, "error: provider type azure needs a base URL"},
		{"generic without url", ProviderSpec{ID: "g", Type: "generic"}, "error: provider type generic needs a base URL"},
		{"no key", ProviderSpec{ID: "o", Type: "openai"}, "error: provider type openai needs an upstream key"},
		{"unknown type", ProviderSpec{ID: "c", Type: "claude", Tokens: []string{upstreamKey}}, "error: unknown provider type \"claude\""},
		{"bad id", ProviderSpec{ID: "Open AI", Type: "openai", Tokens: []string{upstreamKey}}, "error: invalid provider id \"Open AI\""},
		{"taken id", ProviderSpec{ID: "existing", Type: "openai", Tokens: []string{upstreamKey}}, "error: provider \"existing\" already exists"},
		{"bad mapping", ProviderSpec{ID: "o", Type: "openai", ModelMapping: []string{"gpt-4o"}, Tokens: []string{upstreamKey}}, "error: invalid model mapping \"gpt-4o\""},
		{"bad pattern", ProviderSpec{ID: "o", Type: "openai", ModelMapping: []string{"g*t=x"}, Tokens: []string{upstreamKey}}, "error: providers[1].modelMapping: key \"g*t\""},
		{"regex mapping", ProviderSpec{ID: "re", Type: "vllm", ModelMapping: []string{"~^gpt-(.*)$=local-$1"}}, `{"id":"re","modelMapping":{"~^gpt-(.*)$":"local-$1"},"type":"vllm"}`},
		{"bad regex", ProviderSpec{ID: "re", Type: "vllm", ModelMapping: []string{"~(=x"}}, "error: providers[1].modelMapping: key \"~(\" is not a regular expression"},
		{"bad base", ProviderSpec{ID: "o", Type: "openai", BaseURL: "api.openai.com", Tokens: []string{upstreamKey}}, "error: providers[1].openaiCustomUrl: \"api.openai.com\" is not an http(s) URL"},
		{"key with newline", ProviderSpec{ID: "o", Type: "openai", Tokens: []string{"sk-abc\nsk-def"}}, "error: upstream key contains control characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, "providers: [{id: existing, type: vllm, description: kept}]\nextra: kept\n")
			err := c.AddProvider(tc.spec)
			if strings.HasPrefix(tc.want, "error: ") {
				if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(tc.want, "error: ")) {
					t.Fatalf("error = %v, want %q", err, tc.want)
				}
				if strings.Contains(err.Error(), "sk-") {
					t.Fatalf("the key is in the error: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p, ok := c.Provider(tc.spec.ID)
			got, _ := json.Marshal(p.raw)
			if !ok || string(got) != tc.want {
				t.Fatalf("provider = %s, want %s", got, tc.want)
			}
			// Everything else is kept.
			first := c.Providers()[0].raw
			if c.Raw()["extra"] != "kept" || first["description"] != "kept" {
				t.Fatalf("unknown fields lost: %v", c.Raw())
			}
		})
	}
}

func TestProviderViewAndRotation(t *testing.T) {
	c := mustParse(t, `providers:
- id: openai
  type: openai
  apiTokens: ["`+upstreamKey+`"]
  modelMapping: {gpt-4: gpt-4o, "*": gpt-4o-mini}
  openaiCustomUrl: https://api.openai.com/v1
  description: kept
`)
	p, ok := c.Provider("openai")
	if !ok || p.Type() != "openai" || p.BaseURL() != "https://api.openai.com/v1" {
		t.Fatalf("provider %+v", p)
	}
	if got := p.ModelMapping(); !reflect.DeepEqual(got, []string{"*=gpt-4o-mini", "gpt-4=gpt-4o"}) {
		t.Fatalf("mapping %v", got)
	}
	if got := p.MaskedTokens(); !reflect.DeepEqual(got, []string{"sk-****cdef"}) {
		t.Fatalf("masked %v", got)
	}
	if err := p.AddToken(upstreamKey); err == nil || strings.Contains(err.Error(), upstreamKey) {
		t.Fatalf("adding the same key: %v", err)
	}
	newKey := "sk-NEW-secret-fedcba9876543210"
	if err := p.AddToken(newKey); err != nil {
		t.Fatal(err)
	}
	if got := p.APITokens(); !reflect.DeepEqual(got, []string{upstreamKey, newKey}) {
		t.Fatalf("tokens during rotation %v", got)
	}
	if n := p.FinishRotation(); n != 1 {
		t.Fatalf("dropped %d", n)
	}
	if got := p.APITokens(); !reflect.DeepEqual(got, []string{newKey}) || p.FinishRotation() != 0 {
		t.Fatalf("tokens after rotation %v", got)
	}
	if p.raw["description"] != "kept" {
		t.Fatal("unknown provider field lost")
	}
	if !c.RemoveProvider("openai") || c.RemoveProvider("openai") || len(c.Providers()) != 0 {
		t.Fatal("RemoveProvider")
	}
}

func TestCheckRefusesWhatThePluginRefuses(t *testing.T) {
	ka := "keyAuth: {global: true, routes: [], domains: [], keys: [authorization], queryKeys: []}\n"
	cases := []struct {
		name, config, err string
	}{
		{"empty", "{}", ""},
		{"full", "providers: [{id: a, type: openai, apiTokens: [k]}, {id: b, type: vllm}]\nactiveProviderId: a\nconsumers: [{name: alice, models: [gpt-4o, 'gpt-4o-*']}]\nmodels: ['*']\n" + ka, ""},
		{"no id", "providers: [{type: openai, apiTokens: [k]}]", "providers[0].id: required"},
		{"dup id", "providers: [{id: a, type: vllm}, {id: a, type: vllm}]", `providers[1].id: "a" given twice`},
		{"console type", "providers: [{id: c, type: claude, apiTokens: [k]}]", `providers[0].type: unknown provider type "claude"`},
		{"no key", "providers: [{id: a, type: openai}]", "providers[0].apiTokens: required"},
		{"blank key", "providers: [{id: a, type: openai, apiTokens: [' ']}]", "providers[0].apiTokens[0]: empty"},
		{"tokens not strings", "providers: [{id: a, type: openai, apiTokens: [1]}]", "providers[0]"},
		{"generic without url", "providers: [{id: a, type: generic}]", "providers[0].openaiCustomUrl: required for generic"},
		{"active unknown", "providers: [{id: a, type: vllm}]\nactiveProviderId: b", `activeProviderId: no provider has id "b"`},
		{"active off", "providers: [{id: a, type: vllm}]\nactiveProviderId: ''", ""},
		{"both forms", "provider: {type: vllm}\nproviders: []", "give provider or providers"},
		{"providers not a list", "providers: {}", "providers: must be a list"},
		{"consumer twice", "consumers: [{name: a, models: []}, {name: a, models: []}]\n" + ka, `consumers[1].name: "a" given twice`},
		{"consumer pattern", "consumers: [{name: a, models: ['g*4']}]\n" + ka, `consumers[0].models[0]: "g*4" is not a model name`},
		{"consumers without keyAuth", "consumers: [{name: a, models: ['*']}]", "keyAuth"},
		{"keyAuth shape", "keyAuth: {global: \"on\"}", "keyAuth"},
		{"keyAuth empty name", "keyAuth: {keys: ['']}", "keyAuth.keys[0]"},
		{"models pattern", "models: ['']", "models[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var raw map[string]any
			if err := yaml.Unmarshal([]byte(tc.config), &raw); err != nil {
				t.Fatal(err)
			}
			err := Check(raw)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error = %v, want %q", err, tc.err)
			}
		})
	}
}

func TestModels(t *testing.T) {
	c := mustParse(t, "consumers: [{name: bob, models: [x], note: kept}]")
	if _, ok := c.Models("alice"); ok {
		t.Fatal("alice has no list yet")
	}
	if err := c.SetModels("alice", []string{"gpt-4o", "gpt-4o-mini"}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetModels("bob", []string{}); err != nil {
		t.Fatal(err)
	}
	if m, ok := c.Models("alice"); !ok || !reflect.DeepEqual(m, []string{"gpt-4o", "gpt-4o-mini"}) {
		t.Fatalf("alice %v %v", m, ok)
	}
	if m, ok := c.Models("bob"); !ok || len(m) != 0 {
		t.Fatalf("bob %v %v: an empty list allows nothing and must stay a list", m, ok)
	}
	if c.consumerList()[0].(map[string]any)["note"] != "kept" {
		t.Fatal("unknown consumer field lost")
	}
	if err := c.SetModels("alice", []string{"*x"}); err == nil {
		t.Fatal("bad pattern accepted")
	}
	if !reflect.DeepEqual(c.Consumers(), []string{"bob", "alice"}) || !c.RemoveConsumer("bob") || c.RemoveConsumer("bob") {
		t.Fatalf("consumers %v", c.Consumers())
	}
}

func TestKeyAuthBlock(t *testing.T) {
	raw := map[string]any{}
	SetKeyAuth(raw, KeyAuth{Routes: []string{"b", "a", "b"}, Domains: []string{"*.example.com"}, Keys: []string{"Authorization", "x-api-key", "authorization"}})
	want := map[string]any{"global": false, "routes": []any{"a", "b"}, "domains": []any{"*.example.com"}, "keys": []any{"authorization", "x-api-key"}, "queryKeys": []any{}}
	if !reflect.DeepEqual(raw["keyAuth"], want) {
		t.Fatalf("keyAuth = %v", raw["keyAuth"])
	}
	k, err := ParseKeyAuth(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		route string
		hosts []string
		want  bool
	}{
		{"a", nil, true},
		{"c", []string{"api.example.com"}, true},
		{"c", []string{"example.org"}, false},
		{"c", nil, false},
	} {
		if got := k.Covers(tc.route, tc.hosts); got != tc.want {
			t.Errorf("Covers(%q, %v) = %v", tc.route, tc.hosts, got)
		}
	}
	k.Global = true
	if !k.Covers("c", nil) {
		t.Fatal("global key-auth covers every route")
	}
	if k, err := ParseKeyAuth(map[string]any{}); k != nil || err != nil {
		t.Fatal("absent block")
	}
}

func TestRuleConfigIsCompleteAndKeepsTheRulesOwnFields(t *testing.T) {
	shared := mustParse(t, "providers: [{id: a, type: vllm}]\nconsumers: []\nkeyAuth: {global: true}\nunshared: x\n").Raw()
	old := map[string]any{"activeProviderId": "old", "timeoutNote": "mine", "models": []any{"stale"}}
	got := RuleConfig(shared, "a", old)
	want := map[string]any{"providers": []any{map[string]any{"id": "a", "type": "vllm"}}, "consumers": []any{}, "keyAuth": map[string]any{"global": true}, "activeProviderId": "a", "timeoutNote": "mine"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rule config = %v", got)
	}
	if err := Check(runtime.DeepCopyJSON(got)); err != nil {
		t.Fatalf("a rule config must load on its own: %v", err)
	}
	// A deep copy: editing the shared config later does not reach into the rule.
	shared["providers"].([]any)[0].(map[string]any)["type"] = "openai"
	if got["providers"].([]any)[0].(map[string]any)["type"] != "vllm" || ActiveProvider(got) != "a" {
		t.Fatal("rule shares maps with the shared config")
	}
}

func TestNewAndSetImage(t *testing.T) {
	p := New("higress-system")
	labels := p.Obj.GetLabels()
	for k, v := range map[string]string{wasmplugin.LabelName: Plugin, wasmplugin.LabelVersion: Version, wasmplugin.LabelBuiltIn: "false", wasmplugin.LabelCategory: "custom", wasmplugin.LabelDefiner: "higress"} {
		if labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, labels[k], v)
		}
	}
	if p.Name() != Resource || !p.GlobalDisabled() || p.PluginName() != Plugin || p.Obj.GetAnnotations()[wasmplugin.AnnotationTitle] == "" {
		t.Fatalf("new plugin %v", p.Obj.Object)
	}
	d1, d2 := strings.Repeat("1", 64), strings.Repeat("2", 64)
	SetImage(p, Image{URL: "oci://r/a@sha256:" + d1, SHA256: d1})
	if _, ok := PreviousImage(p); ok {
		t.Fatal("a first install has no previous image")
	}
	SetImage(p, Image{URL: "oci://r/a@sha256:" + d2, SHA256: d2})
	prev, ok := PreviousImage(p)
	if !ok || prev.SHA256 != d1 || CurrentImage(p).SHA256 != d2 {
		t.Fatalf("previous %+v current %+v", prev, CurrentImage(p))
	}
	SetImage(p, Image{URL: "oci://r/a:dev"})
	if _, has := p.Obj.Object["spec"].(map[string]any)["sha256"]; has {
		t.Fatal("an unpinned image keeps a stale sha256")
	}
	if prev, _ := PreviousImage(p); prev.SHA256 != d2 {
		t.Fatalf("previous %+v", prev)
	}
	// Setting the same image again records nothing.
	SetImage(p, Image{URL: "oci://r/a:dev"})
	if prev, _ := PreviousImage(p); prev.SHA256 != d2 {
		t.Fatalf("previous after a no-op %+v", prev)
	}
}
