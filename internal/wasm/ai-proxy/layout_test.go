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
