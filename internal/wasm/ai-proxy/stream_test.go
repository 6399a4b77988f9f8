package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// testStreamingAddsUsageAndKeepsTheUsageChunk: the plugin asks a stream for its usage and
// forwards the usage chunk, which the plugins after it on the response (ai-statistics at 900,
// ai-token-ratelimit at 600: Envoy runs response filters in reverse order of priority) count a
// stream's tokens from. What they read of the forwarded stream is checked as they read it: the
// last data event with a usage object.
func testStreamingAddsUsageAndKeepsTheUsageChunk(t *testing.T) {
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
	first := string(host.GetResponseBody())
	require.Equal(t, "data: {\"model\":\"gpt-4o-mini\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}\n\n", first,
		"complete events pass at once; the incomplete one waits for its end")
	chunk2 := "ge\":null}\n\ndata: {\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\ndata: [DONE]\n\n"
	host.CallOnHttpStreamingResponseBody([]byte(chunk2), true)
	rest := string(host.GetResponseBody())
	require.Equal(t, "data: {\"model\":\"gpt-4o-mini\",\"choices\":[{\"delta\":{\"content\":\"lo\"}}],\"usage\":null}\n\n"+
		"data: {\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\ndata: [DONE]\n\n",
		rest, "the usage chunk is forwarded, for the plugins after this one")
	require.Equal(t, map[string]float64{"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}, downstreamUsage(t, first+rest),
		"what ai-statistics and ai-token-ratelimit read of the stream")

	l := aiLog(t, host)
	require.Equal(t, "stream", l["response_type"])
	require.Equal(t, float64(9), l["input_token"])
	require.Equal(t, float64(2), l["output_token"])
	require.Contains(t, l, "llm_first_token_duration")
	require.NotContains(t, l, "consumer")
	host.CompleteHttp()
}

// downstreamUsage reads a forwarded event stream as Higress's ai-statistics and
// ai-token-ratelimit read one (wasm-go's tokenusage): the usage object of the data events,
// the last one found winning.
func downstreamUsage(t *testing.T, stream string) map[string]float64 {
	t.Helper()
	var usage map[string]float64
	for _, event := range strings.Split(stream, "\n\n") {
		data, ok := strings.CutPrefix(strings.TrimSpace(event), "data:")
		if !ok {
			continue
		}
		var chunk struct {
			Usage map[string]float64 `json:"usage"`
		}
		if json.Unmarshal([]byte(strings.TrimSpace(data)), &chunk) == nil && chunk.Usage != nil {
			usage = chunk.Usage
		}
	}
	require.NotNil(t, usage, "no usage in the forwarded stream: %q", stream)
	return usage
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

// testStreamEndingEarly: a stream that ends before its last chunk (the client went away, the
// upstream reset) is still logged, with what was seen of it.
func testStreamEndingEarly(t *testing.T) {
	host := start(t, openaiConfig)
	request(host, "/v1/chat/completions", "alice")
	host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o","stream":true}`))
	host.CallOnHttpResponseHeaders([][2]string{{":status", "200"}, {"content-type", "text/event-stream"}})
	chunk := "data: {\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}\n\n"
	host.CallOnHttpStreamingResponseBody([]byte(chunk), false)
	require.Equal(t, chunk, string(host.GetResponseBody()))
	host.CompleteHttp()

	l := aiLog(t, host)
	require.Equal(t, "stream", l["response_type"])
	require.Equal(t, "gpt-4o-2024-08-06", l["model"])
	require.Equal(t, "alice", l["consumer"])
	require.NotContains(t, l, "total_token", "the usage chunk never came: no tokens, not 0 tokens")
	require.NotContains(t, l, "input_token")
	require.Contains(t, l, "llm_first_token_duration")
	require.Contains(t, l, "llm_service_duration")
}

// testStreamErrorStatus: a streaming request the upstream refuses gets the upstream's error as it
// is (JSON, not an event stream), is logged without tokens, and a 429 rests the key.
func testStreamErrorStatus(t *testing.T) {
	host := start(t, openaiConfig)
	request(host, "/v1/chat/completions", "alice")
	host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o","stream":true}`))
	first, _ := header(host.GetRequestHeaders(), "authorization")
	host.CallOnHttpResponseHeaders([][2]string{{":status", "429"}, {"content-type", "application/json"}})
	errBody := `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`
	host.CallOnHttpStreamingResponseBody([]byte(errBody), true)
	require.Equal(t, errBody, string(host.GetResponseBody()))
	host.CompleteHttp()
	l := aiLog(t, host)
	require.Equal(t, "normal", l["response_type"])
	require.NotContains(t, l, "total_token", "no usage reported")
	require.NotContains(t, l, "llm_first_token_duration")

	request(host, "/v1/chat/completions", "alice")
	host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o","stream":true}`))
	next, _ := header(host.GetRequestHeaders(), "authorization")
	require.NotEqual(t, first, next, "the rate-limited key rests")
	host.CompleteHttp()
}

// testEventStreamNotAskedFor: whether an answer streams is taken from the request; a provider
// that streams a request that did not ask for it still has its usage read.
func testEventStreamNotAskedFor(t *testing.T) {
	host := start(t, openaiConfig)
	request(host, "/v1/chat/completions", "alice")
	host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o"}`))
	host.CallOnHttpResponseHeaders([][2]string{{":status", "200"}, {"content-type", "text/event-stream"}})
	events := "data: {\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n" +
		"data: {\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n"
	host.CallOnHttpResponseBody([]byte(events))
	require.Equal(t, events, string(host.GetResponseBody()), "passed unchanged")
	l := aiLog(t, host)
	require.Equal(t, float64(3), l["input_token"])
	require.Equal(t, "stream", l["response_type"])
	host.CompleteHttp()
}
