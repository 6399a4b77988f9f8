package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/test"
	"github.com/stretchr/testify/require"
)

// Every test here runs twice through wasm-go's test host: as native Go, and against the compiled
// plugin in wazero (WASM_FILE_PATH, set by scripts/test-plugin.sh). Under HIGRESS_AI_REQUIRE_REAL=1
// a missing .wasm fails instead of skipping the wasm half.
func runTest(t *testing.T, f func(*testing.T)) {
	t.Helper()
	test.RunTestWithPath(t, pluginPath(t, "WASM_FILE_PATH", "plugin.wasm"), f)
}

// Fake keys: obviously not real, and distinct so tests can tell which was used.
const (
	key1 = "sk-test-upstream-key-one"
	key2 = "sk-test-upstream-key-two"
)

var openaiConfig = json.RawMessage(`{
  "provider": {"type": "openai", "apiTokens": ["` + key1 + `", "` + key2 + `"],
               "modelMapping": {"gpt-4": "gpt-4o", "gpt-3.5-*": "gpt-4o-mini"}},
  "consumers": [{"name": "alice", "models": ["gpt-4o*", "gpt-4"]}, {"name": "intern", "models": ["gpt-4o-mini"]}],
  "models": ["gpt-4o-mini"]
}`)

func start(t *testing.T, cfg json.RawMessage) test.TestHost {
	t.Helper()
	host, status := test.NewTestHost(cfg)
	t.Cleanup(host.Reset)
	require.Equal(t, types.OnPluginStartStatusOK, status)
	return host
}

func header(headers [][2]string, name string) (string, bool) {
	for _, h := range headers {
		if strings.EqualFold(h[0], name) {
			return h[1], true
		}
	}
	return "", false
}

// aiLog reads the ai_log property as the access log would print it.
func aiLog(t *testing.T, host test.TestHost) map[string]any {
	t.Helper()
	raw, err := host.GetProperty([]string{"ai_log"})
	require.NoError(t, err)
	var s string
	require.NoError(t, json.Unmarshal([]byte(`"`+string(raw)+`"`), &s), "ai_log is not an escaped JSON string: %s", raw)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m))
	return m
}

func request(host test.TestHost, path, consumer string) types.Action {
	headers := [][2]string{{":authority", "gateway.example"}, {":method", "POST"}, {":path", path},
		{"content-type", "application/json"}, {"authorization", "Bearer hai_client_key_never_forwarded"}}
	if consumer != "" {
		headers = append(headers, [2]string{"x-mse-consumer", consumer})
	}
	return host.CallOnHttpRequestHeaders(headers)
}

func TestChatCompletion(t *testing.T) {
	runTest(t, func(t *testing.T) {
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
		host.CompleteHttp()
	})
}

func TestStreamingAddsUsageAndHidesTheExtraChunk(t *testing.T) {
	runTest(t, func(t *testing.T) {
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
	})
}

func TestStreamingKeepsTheUsageChunkTheClientAskedFor(t *testing.T) {
	runTest(t, func(t *testing.T) {
		host := start(t, openaiConfig)
		request(host, "/v1/chat/completions", "")
		host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true}}`))
		host.CallOnHttpResponseHeaders([][2]string{{":status", "200"}, {"content-type", "text/event-stream; charset=utf-8"}})
		events := "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n"
		host.CallOnHttpStreamingResponseBody([]byte(events), true)
		require.Equal(t, events, string(host.GetResponseBody()))
		host.CompleteHttp()
	})
}

func TestPluginErrorsInOpenAIShape(t *testing.T) {
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
			runTest(t, func(t *testing.T) {
				host := start(t, openaiConfig)
				request(host, "/v1/chat/completions", tc.consumer)
				host.CallOnHttpRequestBody([]byte(tc.body))
				resp := host.GetLocalResponse()
				require.NotNil(t, resp)
				require.Equal(t, tc.status, resp.StatusCode)
				var e struct {
					Error struct{ Message, Type, Code string }
				}
				require.NoError(t, json.Unmarshal(resp.Data, &e), string(resp.Data))
				require.Equal(t, tc.code, e.Error.Code)
				require.NotEmpty(t, e.Error.Message)
				require.NotContains(t, string(resp.Data), "sk-test")
				host.CompleteHttp()
			})
		})
	}
}

func TestModelsAnsweredFromConfig(t *testing.T) {
	runTest(t, func(t *testing.T) {
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
	})
}

func TestUpstreamErrorsPassAndKeysRotate(t *testing.T) {
	runTest(t, func(t *testing.T) {
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
	})
}

func TestOtherPathsPassUntouched(t *testing.T) {
	runTest(t, func(t *testing.T) {
		host := start(t, openaiConfig)
		headers := [][2]string{{":authority", "gw"}, {":method", "POST"}, {":path", "/v1/audio/speech"}, {"authorization", "Bearer client-own"}}
		require.Equal(t, types.ActionContinue, host.CallOnHttpRequestHeaders(headers))
		auth, _ := header(host.GetRequestHeaders(), "authorization")
		require.Equal(t, "Bearer client-own", auth)
		require.Equal(t, types.ActionContinue, host.CallOnHttpRequestBody([]byte("raw")))
		require.Equal(t, "raw", string(host.GetRequestBody()))
		host.CompleteHttp()
	})
}

func TestAzure(t *testing.T) {
	runTest(t, func(t *testing.T) {
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
	})
}

func TestPromptParam(t *testing.T) {
	runTest(t, func(t *testing.T) {
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
	})
}

func TestAILogMergesWithOtherPlugins(t *testing.T) {
	runTest(t, func(t *testing.T) {
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
	})
}

func TestInvalidConfigFailsToStart(t *testing.T) {
	for _, cfg := range []string{
		`{}`,
		`{"provider":{"type":"openai"}}`,
		`{"provider":{"type":"nope","apiTokens":["k"]}}`,
		`{"providers":[{"id":"a","type":"openai","apiTokens":["k"]}],"activeProviderId":"b"}`,
		`{"provider":{"type":"openai","apiTokens":["k"]},"_rules_":[{"_match_route_":["r"],"models":["a*b"]}]}`,
		`{"provider":{"type":"openai","apiTokens":["k"],"timeout":"soon"}}`,
	} {
		runTest(t, func(t *testing.T) {
			host, status := test.NewTestHost(json.RawMessage(cfg))
			defer host.Reset()
			require.Equal(t, types.OnPluginStartStatusFailed, status, cfg)
		})
	}
}

func TestRuleConfigInheritsAndOverrides(t *testing.T) {
	runTest(t, func(t *testing.T) {
		host := start(t, json.RawMessage(`{"provider":{"type":"openai","apiTokens":["`+key1+`"]},
			"_rules_":[{"_match_route_":["team-route"],"models":["gpt-4o-mini"]}]}`))
		require.NoError(t, host.SetRouteName("team-route"))
		request(host, "/v1/chat/completions", "")
		host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o"}`))
		resp := host.GetLocalResponse()
		require.NotNil(t, resp, "the route's rule limits models")
		require.Equal(t, uint32(403), resp.StatusCode)
		host.CompleteHttp()
	})
}
