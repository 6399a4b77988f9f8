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
	require.Equal(t, types.HeaderStopIteration, request(host, "/v1/chat/completions", "alice"))
	require.Equal(t, types.ActionContinue, host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"temperature":0.2}`)))

	headers := host.GetRequestHeaders()
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
		{"no model", "alice", `{"messages":[]}`, 400, "invalid_body"},
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
	require.Equal(t, float64(0), l["input_token"])
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
