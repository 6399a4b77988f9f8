package main

import (
	"encoding/json"
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/test"
	"github.com/stretchr/testify/require"
)

func testPromptParam(t *testing.T) {
	host := start(t, json.RawMessage(`{"provider":{"type":"deepseek","apiTokens":["`+key1+`"],"serviceName":"deepseek.dns"},
		"promptParam":"text","defaultModel":"deepseek-chat"}`))
	action := host.CallOnHttpRequestHeaders([][2]string{{":authority", "gw"}, {":method", "GET"}, {":path", "/?text=Say,hello"}}, test.WithEndOfStream(true))
	require.Equal(t, types.HeaderStopAllIterationAndWatermark, action)
	calls := host.GetHttpCalloutAttributes()
	require.Len(t, calls, 1)
	require.Equal(t, "outbound|443||deepseek.dns", calls[0].Upstream, "the cluster Higress makes for the service")
	authority, _ := header(calls[0].Headers, ":authority")
	require.Equal(t, "api.deepseek.com", authority)
	path, _ := header(calls[0].Headers, ":path")
	require.Equal(t, "/v1/chat/completions", path)
	auth, _ := header(calls[0].Headers, "authorization")
	require.Equal(t, "Bearer "+key1, auth)
	require.JSONEq(t, `{"model":"deepseek-chat","messages":[{"role":"user","content":"Say,hello"}]}`, string(calls[0].Body))

	host.CallOnHttpCall([][2]string{{":status", "200"}, {"content-type", "application/json"}},
		[]byte(`{"model":"deepseek-chat","choices":[{"message":{"role":"assistant","content":"Hello!"}}],"usage":{"prompt_tokens":4,"completion_tokens":2}}`))
	resp := host.GetLocalResponse()
	require.NotNil(t, resp)
	require.Equal(t, uint32(200), resp.StatusCode)
	require.Equal(t, "Hello!", string(resp.Data))
	l := aiLog(t, host)
	require.Equal(t, float64(4), l["input_token"])
	require.Equal(t, "deepseek-chat", l["model"])
	host.CompleteHttp()
}

// testPromptParamNeedsTheService: Higress has no cluster named after a provider's host, only
// after its services (outbound|443||NAME.dns), so prompt mode without serviceName cannot work and
// fails at start, as Higress's ai-proxy requires serviceName for its own callouts.
func testPromptParamNeedsTheService(t *testing.T) {
	for _, cfg := range []string{
		`{"provider":{"type":"deepseek","apiTokens":["k"]},"promptParam":"text","defaultModel":"deepseek-chat"}`,
		`{"providers":[{"id":"ds","type":"deepseek","apiTokens":["k"]}],"promptParam":"text","defaultModel":"deepseek-chat",
		  "_rules_":[{"_match_route_":["r"],"activeProviderId":"ds"}]}`,
	} {
		host, status := test.NewTestHost(json.RawMessage(cfg))
		host.Reset()
		require.Equal(t, types.OnPluginStartStatusFailed, status, cfg)
	}
	host := start(t, json.RawMessage(`{"provider":{"type":"vllm","openaiCustomUrl":"http://vllm.ai.svc:8000/v1","serviceName":"vllm.static","servicePort":80},
		"promptParam":"q","defaultModel":"llama"}`))
	host.CallOnHttpRequestHeaders([][2]string{{":authority", "gw"}, {":method", "GET"}, {":path", "/?q=hi"}}, test.WithEndOfStream(true))
	calls := host.GetHttpCalloutAttributes()
	require.Len(t, calls, 1)
	require.Equal(t, "outbound|80||vllm.static", calls[0].Upstream)
	authority, _ := header(calls[0].Headers, ":authority")
	require.Equal(t, "vllm.ai.svc:8000", authority)
	host.CompleteHttp()
}
