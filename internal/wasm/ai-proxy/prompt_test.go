package main

import (
	"encoding/json"
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/test"
	"github.com/stretchr/testify/require"
)

func testPromptParam(t *testing.T) {
	host := start(t, json.RawMessage(`{"provider":{"type":"deepseek","apiTokens":["`+key1+`"]},"promptParam":"text","defaultModel":"deepseek-chat"}`))
	action := host.CallOnHttpRequestHeaders([][2]string{{":authority", "gw"}, {":method", "GET"}, {":path", "/?text=Say,hello"}}, test.WithEndOfStream(true))
	require.Equal(t, types.HeaderStopAllIterationAndWatermark, action)
	calls := host.GetHttpCalloutAttributes()
	require.Len(t, calls, 1)
	require.Equal(t, "outbound|443||api.deepseek.com", calls[0].Upstream)
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
