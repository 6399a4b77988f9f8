package main

import (
	"encoding/json"
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/test"
	"github.com/stretchr/testify/require"
)

func testChatCompletion(t *testing.T) {
	host := start(t, openaiConfig)
	require.Equal(t, types.HeaderStopIteration, request(host, "/v1/chat/completions", "alice",
		[2]string{"accept-encoding", "gzip, br"}, [2]string{"content-length", "84"}, [2]string{"x-request-id", "r-1"}))
	require.Equal(t, types.ActionContinue, host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"temperature":0.2}`)))

	headers := host.GetRequestHeaders()
	_, hasEncoding := header(headers, "accept-encoding")
	require.False(t, hasEncoding, "the answer must come uncompressed for its usage to be read")
	for name, want := range map[string]string{":method": "POST", "x-request-id": "r-1", "x-mse-consumer": "alice",
		"content-type": "application/json", "x-envoy-upstream-rq-timeout-ms": "120000"} {
		got, _ := header(headers, name)
		require.Equal(t, want, got, "%s: the other headers go upstream as they came", name)
	}
	auth, _ := header(headers, "authorization")
	require.Equal(t, "Bearer "+key1, auth, "the upstream key replaces the client's")
	authority, _ := header(headers, ":authority")
	require.Equal(t, "api.openai.com", authority)
	path, _ := header(headers, ":path")
	require.Equal(t, "/v1/chat/completions", path)
	_, hasLength := header(headers, "content-length")
	require.False(t, hasLength)
	require.JSONEq(t, `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"temperature":0.2}`, string(host.GetRequestBody()))

	host.CallOnHttpResponseHeaders([][2]string{{":status", "200"}, {"content-type", "application/json"}})
	body := `{"id":"c1","object":"chat.completion","model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"hello"}}],` +
		`"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":4}}}`
	require.Equal(t, types.ActionContinue, host.CallOnHttpResponseBody([]byte(body)))
	require.JSONEq(t, body, string(host.GetResponseBody()), "the answer reaches the client unchanged")

	l := aiLog(t, host)
	require.Equal(t, "gpt-4o-2024-08-06", l["model"])
	require.Equal(t, "alice", l["consumer"])
	require.Equal(t, float64(12), l["input_token"])
	require.Equal(t, float64(5), l["output_token"])
	require.Equal(t, float64(17), l["total_token"])
	require.Equal(t, float64(4), l["cached_tokens"])
	require.Equal(t, map[string]any{"cached_tokens": float64(4)}, l["input_token_details"], "as ai-statistics writes it")
	require.NotContains(t, l, "reasoning_tokens", "none reported")
	require.Equal(t, "normal", l["response_type"])
	require.Contains(t, l, "llm_service_duration")
	require.NotContains(t, l, "llm_first_token_duration")
	host.CompleteHttp()
}

func testPluginErrorsInOpenAIShape(t *testing.T) {
	cases := []struct {
		name, consumer, body string
		status               uint32
		code                 string
	}{
		{"model not allowed for consumer", "intern", `{"model":"gpt-4o"}`, 403, "model_not_allowed"},
		{"model not allowed for others", "", `{"model":"gpt-4o"}`, 403, "model_not_allowed"},
		{"bad json", "alice", `{"model":`, 400, "invalid_body"},
		// Parsers differ on which of two keys counts: intern could be checked for one model and
		// be served the other.
		{"model twice", "intern", `{"model":"gpt-4o-mini","model":"gpt-4o"}`, 400, "invalid_body"},
		{"model twice, escaped", "intern", `{"model":"gpt-4o-mini","mod\u0065l":"gpt-4o"}`, 400, "invalid_body"},
		{"no model", "alice", `{"messages":[]}`, 400, "invalid_body"},
		// Go's encoding/json reads Model (and ſtream, the Kelvin sign for k...) as model, the last
		// one winning: the allow list would check one model and the server run the other.
		{"model twice, folded", "intern", `{"model":"gpt-4o-mini","Model":"gpt-4o"}`, 400, "invalid_body"},
		{"stream twice, folded", "intern", `{"model":"gpt-4o-mini","stream":false,"ſtream":true}`, 400, "invalid_body"},
		{"max_tokens twice, folded", "intern", `{"model":"gpt-4o-mini","max_tokens":1,"max_to\u212aens":9}`, 400, "invalid_body"},
		{"folded model is checked", "intern", `{"MODEL":"gpt-4o"}`, 403, "model_not_allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			host := start(t, openaiConfig)
			request(host, "/v1/chat/completions", tc.consumer)
			host.CallOnHttpRequestBody([]byte(tc.body))
			require.Equal(t, tc.code, openAIError(t, host, tc.status))
			host.CompleteHttp()
		})
	}
}

func testModelsAnsweredFromConfig(t *testing.T) {
	host := start(t, openaiConfig)
	for consumer, want := range map[string][]string{"alice": {"gpt-4"}, "intern": {"gpt-4o-mini"}, "": {"gpt-4o-mini"}} {
		headers := [][2]string{{":authority", "gw"}, {":method", "GET"}, {":path", "/v1/models"}}
		if consumer != "" {
			headers = append(headers, [2]string{"x-mse-consumer", consumer})
		}
		host.CallOnHttpRequestHeaders(headers, test.WithEndOfStream(true))
		resp := host.GetLocalResponse()
		require.NotNil(t, resp)
		require.Equal(t, uint32(200), resp.StatusCode)
		var list struct {
			Object string
			Data   []struct{ ID string }
		}
		require.NoError(t, json.Unmarshal(resp.Data, &list))
		var ids []string
		for _, m := range list.Data {
			ids = append(ids, m.ID)
		}
		require.Equal(t, want, ids, "consumer %q", consumer)
		host.CompleteHttp()
	}
}

func testUpstreamErrorsPassAndKeysRotate(t *testing.T) {
	host := start(t, openaiConfig)
	used := func() string {
		v, _ := header(host.GetRequestHeaders(), "authorization")
		return v
	}
	request(host, "/v1/embeddings", "alice")
	host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o","input":"x"}`))
	first := used()
	host.CallOnHttpResponseHeaders([][2]string{{":status", "429"}, {"content-type", "application/json"}})
	errBody := `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`
	host.CallOnHttpResponseBody([]byte(errBody))
	require.Equal(t, errBody, string(host.GetResponseBody()), "upstream errors reach the client unchanged")
	l := aiLog(t, host)
	require.NotContains(t, l, "input_token", "an error reports no usage: no tokens written, not 0")
	host.CompleteHttp()

	// The key that got 429 rests: the next three requests all use the other one.
	for i := 0; i < 3; i++ {
		request(host, "/v1/embeddings", "alice")
		host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o","input":"x"}`))
		require.NotEqual(t, first, used())
		host.CallOnHttpResponseHeaders([][2]string{{":status", "200"}, {"content-type", "application/json"}})
		host.CallOnHttpResponseBody([]byte(`{"data":[],"model":"text-embedding-3-small","usage":{"prompt_tokens":3,"total_tokens":3}}`))
		host.CompleteHttp()
	}
}

// testOtherPathsPassWithoutTheClientsKey: paths the plugin does not speak pass as they came, but
// the client's own key (its gateway key) never reaches the upstream on any of them.
func testOtherPathsPassWithoutTheClientsKey(t *testing.T) {
	host := start(t, openaiConfig)
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/v1/responses", `{"model":"gpt-4o","input":"hi"}`},
		{"GET", "/v1/models/gpt-4o", ""},
		{"POST", "/v1/audio/speech", "raw"},
		{"GET", "/healthz", ""},
	} {
		headers := [][2]string{{":authority", "gw"}, {":method", tc.method}, {":path", tc.path},
			{"authorization", "Bearer hai_client_key"}, {"api-key", "hai_client_key"}, {"x-api-key", "hai_client_key"}, {"x-custom", "kept"}}
		require.Equal(t, types.ActionContinue, host.CallOnHttpRequestHeaders(headers, test.WithEndOfStream(tc.body == "")), tc.path)
		got := host.GetRequestHeaders()
		for _, name := range []string{"authorization", "api-key", "x-api-key"} {
			v, ok := header(got, name)
			require.False(t, ok, "%s %s: the client's %s reached the upstream: %q", tc.method, tc.path, name, v)
		}
		for name, want := range map[string]string{":path": tc.path, ":authority": "gw", "x-custom": "kept"} {
			v, _ := header(got, name)
			require.Equal(t, want, v, "%s %s: %s", tc.method, tc.path, name)
		}
		if tc.body != "" {
			require.Equal(t, types.ActionContinue, host.CallOnHttpRequestBody([]byte(tc.body)))
			require.Equal(t, tc.body, string(host.GetRequestBody()))
		}
		require.Nil(t, host.GetLocalResponse())
		host.CompleteHttp()
	}
}

func testAzure(t *testing.T) {
	host := start(t, json.RawMessage(`{"provider":{"type":"azure","apiTokens":["azure-test-key"],
		"azureServiceUrl":"https://res.openai.azure.com/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21"}}`))
	request(host, "/v1/chat/completions", "")
	host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o","messages":[]}`))
	headers := host.GetRequestHeaders()
	path, _ := header(headers, ":path")
	require.Equal(t, "/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21", path)
	key, _ := header(headers, "api-key")
	require.Equal(t, "azure-test-key", key)
	_, hasAuth := header(headers, "authorization")
	require.False(t, hasAuth, "the client's Authorization is not forwarded")
	authority, _ := header(headers, ":authority")
	require.Equal(t, "res.openai.azure.com", authority)
	host.CompleteHttp()
}

func testAILogMergesWithOtherPlugins(t *testing.T) {
	host := start(t, openaiConfig)
	require.NoError(t, host.SetProperty([]string{"ai_log"}, []byte(`{\"chat_id\":\"abc\",\"api\":\"chat_completions\"}`)))
	request(host, "/v1/chat/completions", "alice")
	host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o"}`))
	host.CallOnHttpResponseHeaders([][2]string{{":status", "200"}, {"content-type", "application/json"}})
	host.CallOnHttpResponseBody([]byte(`{"usage":{"prompt_tokens":1,"completion_tokens":1}}`))
	l := aiLog(t, host)
	require.Equal(t, "abc", l["chat_id"])
	require.Equal(t, "gpt-4o", l["model"])
	require.Equal(t, float64(2), l["total_token"])
	host.CompleteHttp()
}

// testUnreadableBodiesRefused: wasm-go does not hand a plugin binary (octet-stream, gRPC) or
// content-encoded bodies, so the model could not be checked: such requests are refused before
// anything reaches the upstream.
func testUnreadableBodiesRefused(t *testing.T) {
	host := start(t, openaiConfig)
	for _, path := range []string{"/v1/chat/completions", "/v1/completions", "/v1/embeddings"} {
		for _, tc := range []struct {
			name    string
			headers [][2]string
			code    string
		}{
			{"octet-stream", [][2]string{{"content-type", "application/octet-stream"}}, "unsupported_content_type"},
			{"grpc", [][2]string{{"content-type", "application/grpc"}}, "unsupported_content_type"},
			{"gzip", [][2]string{{"content-type", "application/json"}, {"content-encoding", "gzip"}}, "unsupported_content_encoding"},
			{"identity", [][2]string{{"content-type", "application/json"}, {"content-encoding", "identity"}}, "unsupported_content_encoding"},
		} {
			t.Run(path+"/"+tc.name, func(t *testing.T) {
				headers := [][2]string{{":authority", "gateway.example"}, {":method", "POST"}, {":path", path},
					{"authorization", "Bearer hai_client_key"}, {"x-mse-consumer", "intern"}}
				action := host.CallOnHttpRequestHeaders(append(headers, tc.headers...))
				require.Equal(t, types.HeaderStopAllIterationAndWatermark, action, "the request must stop at its headers")
				require.Equal(t, tc.code, openAIError(t, host, 415))
				got := host.GetRequestHeaders()
				p, _ := header(got, ":path")
				require.Equal(t, path, p)
				_, hasAuth := header(got, "authorization")
				require.False(t, hasAuth, "no key, neither the client's nor the upstream's")
				host.CompleteHttp()
			})
		}
	}
}

// testTimeoutHeader: the provider's timeout reaches Envoy as the upstream request timeout.
func testTimeoutHeader(t *testing.T) {
	for cfg, want := range map[string]string{
		`{"provider":{"type":"openai","apiTokens":["k"],"timeout":30000}}`: "30000",
		`{"provider":{"type":"openai","apiTokens":["k"]}}`:                 "120000",
	} {
		t.Run(want, func(t *testing.T) {
			host := start(t, json.RawMessage(cfg))
			request(host, "/v1/chat/completions", "")
			host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o"}`))
			got, _ := header(host.GetRequestHeaders(), "x-envoy-upstream-rq-timeout-ms")
			require.Equal(t, want, got, cfg)
			host.CompleteHttp()
		})
	}
}

// testRefusedKeyRests: a key the upstream refuses (401) is left out for minutes, longer than
// a rate-limited one (429): when both rest, the rate-limited key is back first.
func testRefusedKeyRests(t *testing.T) {
	host := start(t, openaiConfig)
	send := func(status string) string {
		request(host, "/v1/chat/completions", "alice")
		host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o"}`))
		auth, _ := header(host.GetRequestHeaders(), "authorization")
		host.CallOnHttpResponseHeaders([][2]string{{":status", status}, {"content-type", "application/json"}})
		if status != "200" {
			errBody := `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`
			host.CallOnHttpResponseBody([]byte(errBody))
			require.Equal(t, errBody, string(host.GetResponseBody()), "the upstream's error reaches the client unchanged")
		} else {
			host.CallOnHttpResponseBody([]byte(`{"usage":{"prompt_tokens":1,"completion_tokens":1}}`))
		}
		host.CompleteHttp()
		return auth
	}
	require.Equal(t, "Bearer "+key1, send("401"))
	for i := 0; i < 3; i++ {
		require.Equal(t, "Bearer "+key2, send("200"), "request %d after key1's 401", i+1)
	}
	require.Equal(t, "Bearer "+key2, send("429"))
	// Both rest now: key2 (429, 30 s) is back before key1 (401, 5 min).
	require.Equal(t, "Bearer "+key2, send("200"))
}

// testCompletions: the legacy completions API is rewritten and metered like chat.
func testCompletions(t *testing.T) {
	host := start(t, openaiConfig)
	require.Equal(t, types.HeaderStopIteration, request(host, "/v1/completions", "alice"))
	require.Equal(t, types.ActionContinue, host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4","prompt":"Say hi","max_tokens":5}`)))
	path, _ := header(host.GetRequestHeaders(), ":path")
	require.Equal(t, "/v1/completions", path)
	require.JSONEq(t, `{"model":"gpt-4o","prompt":"Say hi","max_tokens":5}`, string(host.GetRequestBody()))
	host.CallOnHttpResponseHeaders([][2]string{{":status", "200"}, {"content-type", "application/json"}})
	host.CallOnHttpResponseBody([]byte(`{"id":"cmpl-1","object":"text_completion","model":"gpt-4o","choices":[{"text":"Hi!","index":0}],` +
		`"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`))
	l := aiLog(t, host)
	require.Equal(t, float64(3), l["input_token"])
	require.Equal(t, float64(2), l["output_token"])
	require.Equal(t, "alice", l["consumer"])
	host.CompleteHttp()
}

// testAzureWithoutDeployment: an azureServiceUrl naming no deployment sends each request to the
// deployment named after its (mapped) model.
func testAzureWithoutDeployment(t *testing.T) {
	host := start(t, json.RawMessage(`{"provider":{"type":"azure","apiTokens":["azure-test-key"],"modelMapping":{"gpt-4":"prod-4o"},
		"azureServiceUrl":"https://res.openai.azure.com/openai?api-version=2024-10-21"}}`))
	for _, tc := range []struct{ api, model, path string }{
		{"/v1/chat/completions", "gpt-4", "/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21"},
		{"/v1/embeddings", "text-embedding-3-small", "/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21"},
	} {
		request(host, tc.api, "")
		host.CallOnHttpRequestBody([]byte(`{"model":"` + tc.model + `","input":"x"}`))
		headers := host.GetRequestHeaders()
		path, _ := header(headers, ":path")
		require.Equal(t, tc.path, path)
		key, _ := header(headers, "api-key")
		require.Equal(t, "azure-test-key", key)
		authority, _ := header(headers, ":authority")
		require.Equal(t, "res.openai.azure.com", authority)
		host.CompleteHttp()
	}
}

// testAILogReplacesOneItCannotRead: when what another plugin left in ai_log cannot be read,
// this request's usage is still written (replacing it), never lost.
func testAILogReplacesOneItCannotRead(t *testing.T) {
	for _, prev := range []string{`{"not":"escaped"}`, `plain text`, `[1,2]`} {
		t.Run(prev, func(t *testing.T) {
			host := start(t, openaiConfig)
			require.NoError(t, host.SetProperty([]string{"ai_log"}, []byte(prev)))
			request(host, "/v1/chat/completions", "alice")
			host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o"}`))
			host.CallOnHttpResponseHeaders([][2]string{{":status", "200"}, {"content-type", "application/json"}})
			host.CallOnHttpResponseBody([]byte(`{"usage":{"prompt_tokens":7,"completion_tokens":1}}`))
			l := aiLog(t, host)
			require.Equal(t, float64(7), l["input_token"])
			require.Equal(t, "alice", l["consumer"])
			host.CompleteHttp()
		})
	}
}

// testUsageAsReported: ai_log holds what the provider reported, and nothing it did not: an
// answer without usage is written without tokens (usage shows it unpriced, never $0), and
// reasoning and cached tokens are written in ai-statistics' keys.
func testUsageAsReported(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       map[string]any
		absent     []string
	}{
		{"no usage", `{"model":"llama","choices":[{"message":{"content":"hi"}}]}`, nil,
			[]string{"input_token", "output_token", "total_token", "cached_tokens", "reasoning_tokens"}},
		{"usage without counts", `{"model":"llama","usage":{}}`, nil, []string{"input_token", "total_token"}},
		{"reasoning and cached", `{"model":"o3","usage":{"prompt_tokens":100,"completion_tokens":50,` +
			`"prompt_tokens_details":{"cached_tokens":80},"completion_tokens_details":{"reasoning_tokens":25}}}`,
			map[string]any{"input_token": 100.0, "output_token": 50.0, "total_token": 150.0, "cached_tokens": 80.0, "reasoning_tokens": 25.0,
				"input_token_details": map[string]any{"cached_tokens": 80.0}, "output_token_details": map[string]any{"reasoning_tokens": 25.0}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := start(t, openaiConfig)
			request(host, "/v1/chat/completions", "alice")
			host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o"}`))
			host.CallOnHttpResponseHeaders([][2]string{{":status", "200"}, {"content-type", "application/json"}})
			host.CallOnHttpResponseBody([]byte(tc.body))
			l := aiLog(t, host)
			for k, v := range tc.want {
				require.Equal(t, v, l[k], k)
			}
			for _, k := range tc.absent {
				require.NotContains(t, l, k)
			}
			require.Contains(t, l, "model")
			host.CompleteHttp()
		})
	}
}
