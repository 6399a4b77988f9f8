package main

import (
	"encoding/json"
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/test"
	"github.com/stretchr/testify/require"
)

func testInvalidConfigFailsToStart(t *testing.T) {
	for _, cfg := range []string{
		`{}`,
		`{"provider":{"type":"openai"}}`,
		`{"provider":{"type":"nope","apiTokens":["k"]}}`,
		`{"providers":[{"id":"a","type":"openai","apiTokens":["k"]}],"activeProviderId":"b"}`,
		`{"providers":[{"id":"a","type":"openai","apiTokens":["k"]}],"activeProviderId":"a","_rules_":[{"_match_route_":["r"],"activeProviderId":"b"}]}`,
		`{"provider":{"type":"openai","apiTokens":["k"]},"_rules_":[{"_match_route_":["r"],"models":["a*b"]}]}`,
		`{"provider":{"type":"openai","apiTokens":["k"],"timeout":"soon"}}`,
		// Per-consumer lists without knowing where key-auth runs would trust any client's header.
		`{"provider":{"type":"openai","apiTokens":["k"]},"consumers":[{"name":"a","models":["*"]}]}`,
		`{"provider":{"type":"openai","apiTokens":["k"]},"keyAuth":{"routes":"r"}}`,
		`{"provider":{"type":"vllm","apiTokens":["k"],"passThroughPaths":["/v1/responses"]}}`,
		`{"provider":{"type":"vllm","passThroughPaths":["v1/responses"]}}`,
		// Higress ai-proxy settings this plugin does not implement fail the start, never ignored.
		`{"provider":{"type":"openai","apiTokens":["k"],"failover":{"enabled":true}}}`,
		`{"provider":{"type":"qwen","apiTokens":["k"],"qwenEnableCompatible":false}}`,
		`{"provider":{"type":"openai","apiTokens":["k"],"protocol":"original"}}`,
	} {
		t.Run(cfg, func(t *testing.T) {
			host, status := test.NewTestHost(json.RawMessage(cfg))
			defer host.Reset()
			require.Equal(t, types.OnPluginStartStatusFailed, status, cfg)
		})
	}
}

func testRuleConfigInheritsAndOverrides(t *testing.T) {
	host := start(t, json.RawMessage(`{"provider":{"type":"openai","apiTokens":["`+key1+`"]},
		"_rules_":[{"_match_route_":["team-route"],"models":["gpt-4o-mini"]}]}`))
	require.NoError(t, host.SetRouteName("team-route"))
	request(host, "/v1/chat/completions", "")
	host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o"}`))
	require.Equal(t, "model_not_allowed", openAIError(t, host, 403), "the route's rule limits models")
	host.CompleteHttp()
}

// testKeyRotationStartsOverOnEachStart: a plugin started again (a config change, or the next
// test) begins with the first key and no key resting; rotation state does not outlive its config.
func testKeyRotationStartsOverOnEachStart(t *testing.T) {
	for i := 0; i < 2; i++ {
		func() {
			host, status := test.NewTestHost(openaiConfig)
			defer host.Reset()
			require.Equal(t, types.OnPluginStartStatusOK, status)
			request(host, "/v1/chat/completions", "alice")
			host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o"}`))
			auth, _ := header(host.GetRequestHeaders(), "authorization")
			require.Equal(t, "Bearer "+key1, auth, "start %d", i+1)
			// The key is refused: in this config only, it rests.
			host.CallOnHttpResponseHeaders([][2]string{{":status", "401"}, {"content-type", "application/json"}})
			host.CompleteHttp()
		}()
	}
}

// higressLayout is the layout the Higress console writes: every provider in the global config,
// none active there; each AI route's matchRule sets only activeProviderId.
var higressLayout = json.RawMessage(`{
  "providers": [
    {"id": "openai", "type": "openai", "apiTokens": ["` + key1 + `"]},
    {"id": "deepseek", "type": "deepseek", "apiTokens": ["` + key2 + `"]}
  ],
  "_rules_": [
    {"_match_route_": ["ai-route-deepseek"], "activeProviderId": "deepseek"},
    {"_match_route_": ["ai-route-openai"], "activeProviderId": "openai"}
  ]
}`)

func testHigressMultiProviderLayout(t *testing.T) {
	for _, tc := range []struct{ route, authority, auth string }{
		{"ai-route-deepseek", "api.deepseek.com", "Bearer " + key2},
		{"ai-route-openai", "api.openai.com", "Bearer " + key1},
	} {
		t.Run(tc.route, func(t *testing.T) {
			host := start(t, higressLayout)
			require.NoError(t, host.SetRouteName(tc.route))
			require.Equal(t, types.HeaderStopIteration, request(host, "/v1/chat/completions", ""))
			require.Equal(t, types.ActionContinue, host.CallOnHttpRequestBody([]byte(`{"model":"m"}`)))
			headers := host.GetRequestHeaders()
			authority, _ := header(headers, ":authority")
			require.Equal(t, tc.authority, authority, "the rule's activeProviderId chooses the provider")
			auth, _ := header(headers, "authorization")
			require.Equal(t, tc.auth, auth)
			host.CompleteHttp()
		})
	}
}

// testNoProviderAnswers503: where no provider is active (a route without a rule in Higress's
// layout), the API paths get the plugin's own OpenAI-shaped error, never the upstream; other
// paths are not the plugin's business and pass as they came.
func testNoProviderAnswers503(t *testing.T) {
	host := start(t, higressLayout)
	for _, path := range []string{"/v1/chat/completions", "/v1/completions", "/v1/embeddings"} {
		require.Equal(t, types.HeaderStopAllIterationAndWatermark, request(host, path, "alice"), path)
		require.Equal(t, "no_provider", openAIError(t, host, 503), path)
		host.CompleteHttp()
	}
	host.CallOnHttpRequestHeaders([][2]string{{":authority", "gw"}, {":method", "GET"}, {":path", "/v1/models"}}, test.WithEndOfStream(true))
	require.Equal(t, "no_provider", openAIError(t, host, 503))
	host.CompleteHttp()

	require.Equal(t, types.ActionContinue, host.CallOnHttpRequestHeaders([][2]string{{":authority", "shop.example"}, {":method", "GET"},
		{":path", "/account"}, {"authorization", "Bearer shop-session"}}, test.WithEndOfStream(true)))
	require.Nil(t, host.GetLocalResponse())
	auth, _ := header(host.GetRequestHeaders(), "authorization")
	require.Equal(t, "Bearer shop-session", auth, "a route without an AI provider is not touched")
	host.CompleteHttp()
}

// testHigressSettingsCarryOver: a Higress ai-proxy config for an Ollama server, with a ~regex
// mapping and a first-byte timeout, works as it did there.
func testHigressSettingsCarryOver(t *testing.T) {
	host := start(t, json.RawMessage(`{"provider":{"type":"ollama","ollamaServerHost":"ollama.svc","ollamaServerPort":11434,
		"modelMapping":{"~^gpt-(.*)$":"llama-$1"},"firstByteTimeout":15000,"failover":{"enabled":false}}}`))
	request(host, "/v1/chat/completions", "")
	host.CallOnHttpRequestBody([]byte(`{"model":"gpt-3","stream":true}`))
	headers := host.GetRequestHeaders()
	for name, want := range map[string]string{":authority": "ollama.svc:11434", ":path": "/v1/chat/completions",
		"x-envoy-upstream-rq-first-byte-timeout-ms": "15000", "x-envoy-upstream-rq-timeout-ms": "120000"} {
		got, _ := header(headers, name)
		require.Equal(t, want, got, name)
	}
	var sent map[string]any
	require.NoError(t, json.Unmarshal(host.GetRequestBody(), &sent))
	require.Equal(t, "llama-3", sent["model"])
	host.CompleteHttp()
	// The first-byte timeout is for streams only, as in Higress.
	request(host, "/v1/chat/completions", "")
	host.CallOnHttpRequestBody([]byte(`{"model":"gpt-3"}`))
	_, has := header(host.GetRequestHeaders(), "x-envoy-upstream-rq-first-byte-timeout-ms")
	require.False(t, has)
	host.CompleteHttp()
}
