package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func testStreamingAddsUsageAndHidesTheExtraChunk(t *testing.T) {
	host := start(t, openaiConfig)
	request(host, "/v1/chat/completions", "")
	host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o-mini","stream":true,"messages":[]}`))
	var sent map[string]any
	require.NoError(t, json.Unmarshal(host.GetRequestBody(), &sent))
	require.Equal(t, map[string]any{"include_usage": true}, sent["stream_options"])

	host.CallOnHttpResponseHeaders([][2]string{{":status", "200"}, {"content-type", "text/event-stream"}})
	chunk1 := "data: {\"model\":\"gpt-4o-mini\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}\n\n" +
		"data: {\"model\":\"gpt-4o-mini\",\"choices\":[{\"delta\":{\"content\":\"lo\"}}],\"usa"
	host.CallOnHttpStreamingResponseBody([]byte(chunk1), false)
	require.Equal(t, "data: {\"model\":\"gpt-4o-mini\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}\n\n", string(host.GetResponseBody()),
		"complete events pass at once; the incomplete one waits for its end")
	chunk2 := "ge\":null}\n\ndata: {\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\ndata: [DONE]\n\n"
	host.CallOnHttpStreamingResponseBody([]byte(chunk2), true)
	require.Equal(t, "data: {\"model\":\"gpt-4o-mini\",\"choices\":[{\"delta\":{\"content\":\"lo\"}}],\"usage\":null}\n\ndata: [DONE]\n\n", string(host.GetResponseBody()),
		"the usage chunk the client did not ask for is not forwarded")

	l := aiLog(t, host)
	require.Equal(t, "stream", l["response_type"])
	require.Equal(t, float64(9), l["input_token"])
	require.Equal(t, float64(2), l["output_token"])
	require.Contains(t, l, "llm_first_token_duration")
	require.NotContains(t, l, "consumer")
	host.CompleteHttp()
}

func testStreamingKeepsTheUsageChunkTheClientAskedFor(t *testing.T) {
	host := start(t, openaiConfig)
	request(host, "/v1/chat/completions", "")
	host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true}}`))
	host.CallOnHttpResponseHeaders([][2]string{{":status", "200"}, {"content-type", "text/event-stream; charset=utf-8"}})
	events := "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n"
	host.CallOnHttpStreamingResponseBody([]byte(events), true)
	require.Equal(t, events, string(host.GetResponseBody()))
	host.CompleteHttp()
}
