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
		`{"provider":{"type":"openai","apiTokens":["k"]},"_rules_":[{"_match_route_":["r"],"models":["a*b"]}]}`,
		`{"provider":{"type":"openai","apiTokens":["k"],"timeout":"soon"}}`,
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
