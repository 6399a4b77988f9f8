package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseNamesTheWrongField(t *testing.T) {
	cases := map[string]string{
		`[]`:                               "config",
		`{}`:                               "provider",
		`{"provider":{"apiTokens":["k"]}}`: "provider.type",
		`{"provider":{"type":"foo","apiTokens":["k"]}}`:                                "provider.type",
		`{"provider":{"type":"openai"}}`:                                               "provider.apiTokens",
		`{"provider":{"type":"openai","apiTokens":[""]}}`:                              "provider.apiTokens[0]",
		`{"provider":{"type":"openai","apiTokens":"k"}}`:                               "provider",
		`{"provider":{"type":"openai","apiTokens":["k"],"timeout":0}}`:                 "provider.timeout",
		`{"provider":{"type":"openai","apiTokens":["k"],"openaiCustomUrl":"ftp://x"}}`: "provider.openaiCustomUrl",
		`{"provider":{"type":"generic"}}`:                                              "provider.openaiCustomUrl",
		`{"provider":{"type":"azure","apiTokens":["k"]}}`:                              "provider.azureServiceUrl",
		`{"provider":{"type":"azure","apiTokens":["k"],"azureServiceUrl":"https://a.openai.azure.com/openai/deployments/x/chat/completions"}}`: "provider.azureServiceUrl",
		`{"provider":{"type":"openai","apiTokens":["k"],"modelMapping":{"a*b":"c"}}}`:                                                          "provider.modelMapping",
		`{"providers":[{"type":"openai","apiTokens":["k"]}],"activeProviderId":"a"}`:                                                           "providers[0].id",
		`{"providers":[{"id":"a","type":"openai","apiTokens":["k"]},{"id":"a","type":"groq","apiTokens":["k"]}],"activeProviderId":"a"}`:       "providers[1].id",
		`{"activeProviderId":"a"}`: "activeProviderId",
		`{"providers":{"id":"a"}}`: "providers",
		`{"provider":{"id":"a","type":"openai","apiTokens":["k"]},"activeProviderId":"b"}`:                                                             "activeProviderId",
		`{"providers":[{"id":"a","type":"openai","apiTokens":["k"]}],"activeProviderId":"b"}`:                                                          "activeProviderId",
		`{"provider":{"type":"openai","apiTokens":["k"]},"providers":[]}`:                                                                              "provider",
		`{"provider":{"type":"openai","apiTokens":["k"]},"keyAuth":{},"consumers":[{"models":["x"]}]}`:                                                 "consumers[0].name",
		`{"provider":{"type":"openai","apiTokens":["k"]},"keyAuth":{},"consumers":[{"name":"a","models":["*x"]}]}`:                                     "consumers[0].models[0]",
		`{"provider":{"type":"openai","apiTokens":["k"]},"models":["ok",""]}`:                                                                          "models[1]",
		`{"provider":{"type":"openai","apiTokens":["k"]},"promptParam":"text"}`:                                                                        "defaultModel",
		`{"provider":{"type":"openai","apiTokens":["k"]},"budgets":{"rules":[]}}`:                                                                      "budgets.redis.service_name",
		`{"provider":{"type":"openai","apiTokens":["k"]},"budgets":{"redis":{"service_name":"r"},"rules":[{"consumer":"a","usd":1,"period":"hour"}]}}`: "budgets.rules[0].period",
		`{"provider":{"type":"openai","apiTokens":["k"],"timeout":600000},"budgets":{"redis":{"service_name":"r"}}}`:                                   "budgets.reservationTtl",
		`{"provider":{"type":"openai","apiTokens":["k"]},"prices":{"gpt-4o":{"input":-1,"output":1}}}`:                                                 "prices.gpt-4o",
	}
	for cfg, field := range cases {
		_, err := Parse([]byte(cfg), nil)
		var fe *Error
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: error %v, want one naming %s", cfg, err, field)
			continue
		}
		if strings.Contains(err.Error(), `"k"`) {
			t.Errorf("%s: the error shows a key: %v", cfg, err)
		}
	}
}

func TestProviderDefaultsAndUpstreams(t *testing.T) {
	cases := []struct {
		cfg, api, model     string
		path, header, value string
		cluster             string
	}{
		{`{"type":"openai","apiTokens":["k"]}`, "/chat/completions", "gpt-4o", "/v1/chat/completions", "authorization", "Bearer k", ""},
		{`{"type":"groq","apiTokens":["k"]}`, "/chat/completions", "m", "/openai/v1/chat/completions", "authorization", "Bearer k", ""},
		{`{"type":"qwen","apiTokens":["k"]}`, "/embeddings", "m", "/compatible-mode/v1/embeddings", "authorization", "Bearer k", ""},
		{`{"type":"openrouter","apiTokens":["k"]}`, "/completions", "m", "/api/v1/completions", "authorization", "Bearer k", ""},
		{`{"type":"vllm","openaiCustomUrl":"http://vllm.svc:8000/v1/chat/completions"}`, "/chat/completions", "m", "/v1/chat/completions", "", "", ""},
		{`{"type":"generic","apiTokens":["k"],"openaiCustomUrl":"https://llm.internal/api","serviceName":"llm.dns","servicePort":80}`, "/chat/completions", "m", "/api/chat/completions", "authorization", "Bearer k", "outbound|80||llm.dns"},
		{`{"type":"azure","apiTokens":["k"],"azureServiceUrl":"https://r.openai.azure.com/openai/deployments/d1/chat/completions?api-version=2024-10-21"}`, "/embeddings", "m", "/openai/deployments/d1/embeddings?api-version=2024-10-21", "api-key", "k", ""},
		{`{"type":"vllm","openaiCustomUrl":"http://vllm.svc:8000/v1","serviceName":"vllm.static"}`, "/embeddings", "m", "/v1/embeddings", "", "", "outbound|8000||vllm.static"},
		{`{"type":"deepseek","apiTokens":["k"],"serviceName":"deepseek.dns"}`, "/chat/completions", "m", "/v1/chat/completions", "authorization", "Bearer k", "outbound|443||deepseek.dns"},
		{`{"type":"azure","apiTokens":["k"],"azureServiceUrl":"https://r.openai.azure.com/openai?api-version=2024-10-21"}`, "/chat/completions", "gpt-4o", "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", "api-key", "k", ""},
	}
	for _, tc := range cases {
		cfg, err := Parse([]byte(`{"provider":`+tc.cfg+`}`), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.cfg, err)
		}
		token := ""
		if len(cfg.Provider.APITokens) > 0 {
			token = cfg.Provider.APITokens[0]
		}
		path, h := cfg.Provider.Upstream(tc.api, tc.model, token)
		if path != tc.path || h[0] != tc.header || h[1] != tc.value || cfg.Provider.Cluster != tc.cluster {
			t.Errorf("%s: %s %v %s", tc.cfg, path, h, cfg.Provider.Cluster)
		}
	}
}

func TestModelMappingAndAllowLists(t *testing.T) {
	cfg, err := Parse([]byte(`{"provider":{"type":"openai","apiTokens":["k"],
		"modelMapping":{"*":"gpt-4o-mini","gpt-4*":"gpt-4o","gpt-4-turbo":"","gpt-4o*":"gpt-4o"}},
		"consumers":[{"name":"alice","models":["*"]},{"name":"bob","models":[]}],"keyAuth":{"global":true},"models":["gpt-4o-mini","gpt-3.5*"],
		"unknownField":1,"failover":{}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"gpt-4-turbo": "gpt-4-turbo", "gpt-4": "gpt-4o", "gpt-4o-2024": "gpt-4o", "claude": "gpt-4o-mini"} {
		if got := cfg.Provider.MapModel(in); got != want {
			t.Errorf("MapModel(%q) = %q, want %q", in, got, want)
		}
	}
	allowed := []struct {
		consumer, model string
		ok              bool
	}{
		{"alice", "anything", true}, {"bob", "gpt-4o-mini", false}, {"", "gpt-4o-mini", true},
		{"", "gpt-3.5-turbo", true}, {"carol", "gpt-4o", false}, {"", "gpt-4o", false},
	}
	for _, a := range allowed {
		if cfg.Allowed(a.consumer, a.model) != a.ok {
			t.Errorf("Allowed(%q, %q) != %v", a.consumer, a.model, a.ok)
		}
	}
	if got := cfg.ListModels("carol"); !reflect.DeepEqual(got, []string{"gpt-4o-mini"}) {
		t.Errorf("ListModels = %v", got)
	}
	if !reflect.DeepEqual(cfg.Unknown, []string{"failover", "unknownField"}) {
		t.Errorf("Unknown = %v", cfg.Unknown)
	}
	// A rule inherits what it does not set.
	rule, err := Parse([]byte(`{"_match_route_":["r"],"models":["x"]}`), cfg)
	if err != nil || rule.Provider != cfg.Provider || !reflect.DeepEqual(rule.Models, []string{"x"}) || rule.Consumers["alice"] == nil {
		t.Fatalf("rule %+v %v", rule, err)
	}
}

// TestHigressLayout: the layout the Higress console writes. The global config lists every
// provider and activates none; each AI route's rule sets only activeProviderId.
func TestHigressLayout(t *testing.T) {
	global, err := Parse([]byte(`{"providers":[{"id":"openai","type":"openai","apiTokens":["k1"]},
		{"id":"ds","type":"deepseek","apiTokens":["k2"]}],"models":["gpt-4o","deepseek-chat"]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if global.Provider != nil || len(global.Providers) != 2 {
		t.Fatalf("global: active %+v, %d providers", global.Provider, len(global.Providers))
	}
	rule, err := Parse([]byte(`{"_match_route_":["r"],"activeProviderId":"ds"}`), global)
	if err != nil {
		t.Fatal(err)
	}
	if rule.Provider != global.Providers[1] || !reflect.DeepEqual(rule.Models, global.Models) {
		t.Fatalf("rule: active %+v, models %v", rule.Provider, rule.Models)
	}
	// The rule's choice is the rule's: the global config still has none active.
	if global.Provider != nil {
		t.Fatal("the rule changed the global config")
	}
	// A rule may switch the provider off, or bring its own list.
	off, err := Parse([]byte(`{"activeProviderId":""}`), rule)
	if err != nil || off.Provider != nil {
		t.Fatalf("off: %+v %v", off.Provider, err)
	}
	own, err := Parse([]byte(`{"providers":[{"id":"x","type":"groq","apiTokens":["k3"]}]}`), rule)
	if err != nil || own.Provider != nil || len(own.Providers) != 1 {
		t.Fatalf("own list: %+v %v", own, err)
	}
	// A rule naming an id the list does not have fails, naming the field and the ids there are.
	_, err = Parse([]byte(`{"activeProviderId":"gpt"}`), global)
	var fe *Error
	if !errors.As(err, &fe) || fe.Field != "activeProviderId" || !strings.Contains(err.Error(), `"openai", "ds"`) {
		t.Fatalf("unknown id: %v", err)
	}
	// A single provider object is a list of one: a rule can name it.
	single, err := Parse([]byte(`{"provider":{"id":"only","type":"openai","apiTokens":["k"]}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := Parse([]byte(`{"activeProviderId":"only"}`), single); err != nil || r.Provider != single.Provider {
		t.Fatalf("single: %+v %v", r, err)
	}
}

func at(ms int64) func() int64 { return func() int64 { return ms } }

func TestTokensRotateAndRest(t *testing.T) {
	var tk Tokens
	keys := []string{"a", "b", "c"}
	var got []string
	for i := 0; i < 4; i++ {
		got = append(got, tk.Pick(keys, 0))
	}
	if !reflect.DeepEqual(got, []string{"a", "b", "c", "a"}) {
		t.Fatalf("round robin: %v", got)
	}
	tk.Report("b", 429, at(1000))
	tk.Report("c", 401, at(1000))
	for i := 0; i < 3; i++ {
		if k := tk.Pick(keys, 2000); k != "a" {
			t.Fatalf("picked resting key %q", k)
		}
	}
	// All resting: the one back soonest.
	tk.Report("a", 401, at(2000))
	if k := tk.Pick(keys, 3000); k != "b" {
		t.Fatalf("all resting: %q", k)
	}
	// After its rest, b is used again.
	if k := tk.Pick([]string{"b"}, 1000+CooldownRateLimitedMs+1); k != "b" {
		t.Fatalf("after rest: %q", k)
	}
}

func TestKeyAuthSaysWhereConsumersAreTrusted(t *testing.T) {
	cfg, err := Parse([]byte(`{"provider":{"type":"openai","apiTokens":["k"]},
		"keyAuth":{"routes":["r1"],"domains":["*example.com","api.*","exact.io"],"keys":["X-Team-Key"],"queryKeys":["apikey"]}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	k := cfg.KeyAuth
	if !reflect.DeepEqual(k.Keys, []string{"x-team-key"}) || !reflect.DeepEqual(k.QueryKeys, []string{"apikey"}) {
		t.Errorf("keys %v, query keys %v", k.Keys, k.QueryKeys)
	}
	routeCalls := 0
	route := func(name string) func() string { return func() string { routeCalls++; return name } }
	for _, tc := range []struct {
		host, route string
		want        bool
	}{
		{"example.com", "x", true}, {"a.example.com:443", "x", true}, {"api.other", "x", true}, {"exact.io", "x", true},
		{"Exact.io", "x", false}, {"exact.io.evil", "x", false}, {"gw", "r1", true}, {"gw", "r2", false}, {"[::1]:80", "x", false},
	} {
		if got := k.Runs(tc.host, route(tc.route)); got != tc.want {
			t.Errorf("Runs(%q, %q) = %v", tc.host, tc.route, got)
		}
	}
	var none *KeyAuth
	if none.Runs("example.com", route("r1")) {
		t.Error("no keyAuth block trusts a consumer")
	}
	global := &KeyAuth{Global: true}
	before := routeCalls
	if !global.Runs("x", route("y")) || routeCalls != before {
		t.Error("global key-auth: trusted without reading the route")
	}
	for cfg, field := range map[string]string{
		`{"keyAuth":{"routes":[""]}}`:       "keyAuth.routes[0]",
		`{"keyAuth":{"domains":["*"]}}`:     "keyAuth.domains[0]",
		`{"keyAuth":{"keys":["bad name"]}}`: "keyAuth.keys[0]",
		`{"keyAuth":{"queryKeys":[""]}}`:    "keyAuth.queryKeys[0]",
		`{"keyAuth":{"global":true,"x":1}}`: "keyAuth",
		`{"consumers":[]}`:                  "consumers",
	} {
		_, err := Parse([]byte(`{"provider":{"type":"openai","apiTokens":["k"]},`+cfg[1:]), nil)
		var fe *Error
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: %v, want an error naming %s", cfg, err, field)
		}
	}
}

func TestHigressSettingsSupportedOrRefused(t *testing.T) {
	// Higress ai-proxy's ways of naming the upstream, carried over as they are.
	for _, tc := range []struct{ cfg, host, path string }{
		{`{"type":"ollama","ollamaServerHost":"ollama.svc","ollamaServerPort":11434}`, "ollama.svc:11434", "/v1/chat/completions"},
		{`{"type":"vllm","vllmServerHost":"vllm.svc:8000"}`, "vllm.svc:8000", "/v1/chat/completions"},
		{`{"type":"vllm","vllmCustomUrl":"vllm.svc:8000/v1"}`, "vllm.svc:8000", "/v1/chat/completions"},
		{`{"type":"vllm","vllmCustomUrl":"https://vllm.example/api/v1/chat/completions"}`, "vllm.example", "/api/v1/chat/completions"},
		{`{"type":"qwen","apiTokens":["k"],"qwenDomain":"dashscope-intl.aliyuncs.com","qwenEnableCompatible":true}`, "dashscope-intl.aliyuncs.com", "/compatible-mode/v1/chat/completions"},
		// Set to what changes nothing in Higress either: accepted.
		{`{"type":"openai","apiTokens":["k"],"failover":{"enabled":false,"failureThreshold":3},"retryOnFailure":{},"protocol":"openai",` +
			`"qwenEnableSearch":false,"qwenFileIds":[],"context":null,"firstByteTimeout":0}`, "api.openai.com", "/v1/chat/completions"},
	} {
		cfg, err := Parse([]byte(`{"provider":`+tc.cfg+`}`), nil)
		if err != nil {
			t.Errorf("%s: %v", tc.cfg, err)
			continue
		}
		path, _ := cfg.Provider.Upstream("/chat/completions", "m", "")
		if cfg.Provider.Host != tc.host || path != tc.path || len(cfg.Unknown) != 0 {
			t.Errorf("%s: host %q path %q unknown %v", tc.cfg, cfg.Provider.Host, path, cfg.Unknown)
		}
	}
	// Set to what would change behaviour here and is not implemented: refused, naming the field.
	for cfg, field := range map[string]string{
		`"failover":{"enabled":true}`:                                           "provider.failover",
		`"retryOnFailure":{"enabled":true,"maxRetries":1}`:                      "provider.retryOnFailure",
		`"protocol":"original"`:                                                 "provider.protocol",
		`"qwenEnableCompatible":false`:                                          "provider.qwenEnableCompatible",
		`"qwenEnableSearch":true`:                                               "provider.qwenEnableSearch",
		`"context":{"fileUrl":"http://x/f","serviceName":"s","servicePort":80}`: "provider.context",
		`"capabilities":{"openai/v1/chatcompletions":"/x"}`:                     "provider.capabilities",
		`"providerDomain":"x.example"`:                                          "provider.providerDomain",
		`"providerBasePath":"/x"`:                                               "provider.providerBasePath",
		`"basePath":"/x"`:                                                       "provider.basePath",
		`"customSettings":[{"name":"max_tokens","value":10}]`:                   "provider.customSettings",
		`"reasoningContentMode":"ignore"`:                                       "provider.reasoningContentMode",
		`"awsRegion":"us-east-1"`:                                               "provider.awsRegion",
		`"firstByteTimeout":-1`:                                                 "provider.firstByteTimeout",
		`"modelMapping":{"~(":"x"}`:                                             "provider.modelMapping",
		`"ollamaServerHost":"o"`:                                                "provider.ollamaServerHost",
		`"vllmServerHost":"v"`:                                                  "provider.vllmServerHost",
		`"openaiCustomUrl":"https://a/v1","qwenDomain":"b"`:                     "provider.qwenDomain",
	} {
		_, err := Parse([]byte(`{"provider":{"type":"qwen","apiTokens":["k"],`+cfg+`}}`), nil)
		var fe *Error
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: %v, want an error naming %s", cfg, err, field)
		}
	}
	for cfg, field := range map[string]string{
		`{"type":"ollama","ollamaServerHost":"o"}`:                                      "provider.ollamaServerPort",
		`{"type":"ollama","ollamaServerPort":11434}`:                                    "provider.ollamaServerHost",
		`{"type":"vllm","vllmServerHost":"a","vllmCustomUrl":"b"}`:                      "provider.vllmServerHost",
		`{"type":"vllm","openaiCustomUrl":"http://a/v1","vllmCustomUrl":"http://b/v1"}`: "provider.vllmCustomUrl",
	} {
		_, err := Parse([]byte(`{"provider":`+cfg+`}`), nil)
		var fe *Error
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: %v, want an error naming %s", cfg, err, field)
		}
	}
}

func TestRegexModelMapping(t *testing.T) {
	cfg, err := Parse([]byte(`{"provider":{"type":"openai","apiTokens":["k"],"modelMapping":{
		"gpt-4":"gpt-4o","gpt-4o*":"","~^claude-(.*)$":"gpt-$1","~^llama-.*$":"","~^mis":"x","*":"gpt-4o-mini"}}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"gpt-4": "gpt-4o", "gpt-4o-2024": "gpt-4o-2024", "claude-4o": "gpt-4o", "llama-3": "llama-3", "other": "gpt-4o-mini",
		// As in Higress, a ~regex's target replaces what matched, $1 its first group, the rest
		// of the name kept; a result "" keeps the model.
		"mistral": "xtral",
	} {
		if got := cfg.Provider.MapModel(in); got != want {
			t.Errorf("MapModel(%q) = %q, want %q", in, got, want)
		}
	}
	if got := cfg.ListModels(""); !reflect.DeepEqual(got, []string{"gpt-4"}) {
		t.Errorf("/v1/models lists %v: a ~regex is no model name", got)
	}
}

func TestRuleBudgetsReplaceTheGlobalOnes(t *testing.T) {
	global, err := Parse([]byte(`{"provider":{"type":"openai","apiTokens":["k"]},"prices":{"GPT-4o":{"input":2.5,"output":10}},
	 "budgets":{"redis":{"service_name":"redis.svc"},"rules":[{"consumer":"*","usd":10,"period":"day"}]}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := global.Prices.Lookup("gpt-4o-2024-08-06"); !ok || len(global.Budgets.Rules) != 1 || global.Budgets.FailMode != "closed" {
		t.Fatalf("global budgets %+v prices %v", global.Budgets, global.Prices)
	}
	rule, err := Parse([]byte(`{"budgets":{"redis":{"service_name":"other"},"failMode":"open","rules":[]}}`), global)
	if err != nil {
		t.Fatal(err)
	}
	if rule.Budgets.Redis.ServiceName != "other" || len(rule.Budgets.Rules) != 0 || rule.Budgets.FailMode != "open" {
		t.Errorf("rule budgets %+v, want its own", rule.Budgets)
	}
	if _, ok := rule.Prices.Lookup("gpt-4o"); !ok {
		t.Errorf("rule lost the inherited prices")
	}
}
