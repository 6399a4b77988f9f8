package main

import (
	"encoding/json"
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/test"
	"github.com/stretchr/testify/require"
)

// The attacks of the security issue, each as a client would try it.

func testAPIPathSpellingsAreChecked(t *testing.T) {
	// intern may use gpt-4o-mini only: every spelling of an API path a server may read as that
	// path gets the model checked, and goes to the provider's own path.
	for _, path := range []string{
		"/v1/chat%2Fcompletions", "/v1/chat%2fcompletions", "/v1/%63hat/completions", "/v1//chat/completions",
		"//v1/chat/completions", "/v1/./chat/completions", "/x/../v1/chat/completions", "/v1/chat/completions;x=1",
		"/V1/Chat/Completions", "/v1/chat/completions/", "/v1/chat%252Fcompletions", `/v1\chat\completions`,
		"/v1/chat/completions?x=1", "/v1/embeddings/", "/v1/Completions",
	} {
		t.Run(path, func(t *testing.T) {
			host := start(t, openaiConfig)
			require.Equal(t, types.HeaderStopIteration, request(host, path, "intern"))
			host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o","messages":[]}`))
			require.Equal(t, "model_not_allowed", openAIError(t, host, 403))
			host.CompleteHttp()

			request(host, path, "intern")
			require.Equal(t, types.ActionContinue, host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o-mini","input":"x"}`)))
			got, _ := header(host.GetRequestHeaders(), ":path")
			require.Contains(t, []string{"/v1/chat/completions", "/v1/embeddings", "/v1/completions"}, got)
			host.CompleteHttp()
		})
	}
}

// keylessConfig is a model server of one's own: no key, so every path the plugin does not know
// is refused unless listed in passThroughPaths.
var keylessConfig = json.RawMessage(`{
  "provider": {"type": "vllm", "openaiCustomUrl": "http://vllm.internal:8000/v1"},
  "models": ["llama-small"]
}`)

func testKeylessProviderRefusesUnknownPaths(t *testing.T) {
	for _, tc := range []struct {
		method, path, body string
		status             uint32
		code               string
	}{
		{"POST", "/v1/responses", `{"model":"llama-big","input":"x"}`, 403, "path_not_allowed"},
		{"POST", "/invocations", `{"model":"llama-big"}`, 403, "path_not_allowed"},
		{"POST", "/api/chat", `{"model":"llama-big"}`, 403, "path_not_allowed"},
		{"POST", "/chat/completions", `{"model":"llama-big"}`, 403, "path_not_allowed"},
		{"GET", "/metrics", "", 403, "path_not_allowed"},
		{"POST", "/v1/chat%2Fcompletions", `{"model":"llama-big"}`, 403, "model_not_allowed"},
		{"POST", "/V1/Embeddings", `{"model":"llama-big","input":"x"}`, 403, "model_not_allowed"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			host := start(t, keylessConfig)
			headers := [][2]string{{":authority", "gw"}, {":method", tc.method}, {":path", tc.path}, {"content-type", "application/json"}}
			host.CallOnHttpRequestHeaders(headers, test.WithEndOfStream(tc.body == ""))
			if tc.body != "" && host.GetLocalResponse() == nil {
				host.CallOnHttpRequestBody([]byte(tc.body))
			}
			require.Equal(t, tc.code, openAIError(t, host, tc.status))
			host.CompleteHttp()
		})
	}
	// /v1/models is still answered, and the API paths serve the allowed model.
	host := start(t, keylessConfig)
	host.CallOnHttpRequestHeaders([][2]string{{":authority", "gw"}, {":method", "GET"}, {":path", "/v1/models"}}, test.WithEndOfStream(true))
	require.Equal(t, uint32(200), host.GetLocalResponse().StatusCode)
	host.CompleteHttp()
	request(host, "/v1/chat/completions", "")
	require.Equal(t, types.ActionContinue, host.CallOnHttpRequestBody([]byte(`{"model":"llama-small"}`)))
	authority, _ := header(host.GetRequestHeaders(), ":authority")
	require.Equal(t, "vllm.internal:8000", authority)
	host.CompleteHttp()
}

func testKeylessPassThroughPathsCheckTheModel(t *testing.T) {
	host := start(t, json.RawMessage(`{
	  "provider": {"type": "vllm", "openaiCustomUrl": "http://vllm.internal:8000/v1", "passThroughPaths": ["/v1/responses", "/v1/files/*"]},
	  "models": ["llama-small"]
	}`))
	send := func(method, path, contentType, body string) types.Action {
		headers := [][2]string{{":authority", "gw"}, {":method", method}, {":path", path}, {"authorization", "Bearer hai_client"}}
		if contentType != "" {
			headers = append(headers, [2]string{"content-type", contentType})
		}
		action := host.CallOnHttpRequestHeaders(headers, test.WithEndOfStream(body == ""))
		if body != "" && host.GetLocalResponse() == nil {
			action = host.CallOnHttpRequestBody([]byte(body))
		}
		return action
	}
	// A listed path with a JSON body naming a model the caller may not use.
	send("POST", "/v1/responses", "application/json", `{"model":"llama-big","input":"x"}`)
	require.Equal(t, "model_not_allowed", openAIError(t, host, 403))
	host.CompleteHttp()
	send("POST", "/v1/Responses/", "text/plain", `{"model":"llama-big","input":"x"}`)
	require.Equal(t, "model_not_allowed", openAIError(t, host, 403), "any JSON body is read, whatever its content type")
	host.CompleteHttp()
	send("POST", "/v1/responses", "application/json", `{"model":"llama-small","Model":"llama-big"}`)
	require.Equal(t, "invalid_body", openAIError(t, host, 400))
	host.CompleteHttp()
	// A body the plugin is not handed cannot be checked.
	send("POST", "/v1/responses", "application/octet-stream", `{"model":"llama-big"}`)
	require.Equal(t, "unsupported_content_type", openAIError(t, host, 415))
	host.CompleteHttp()
	// Allowed: left as the client sent it, without its gateway key.
	for _, tc := range []struct{ method, path, contentType, body string }{
		{"POST", "/v1/responses", "application/json", `{"model":"llama-small","input":"x"}`},
		{"POST", "/v1/files", "multipart/form-data; boundary=b", "--b\r\n\r\nraw\r\n--b--"},
		{"GET", "/v1/files/file-1/content", "", ""},
	} {
		require.Equal(t, types.ActionContinue, send(tc.method, tc.path, tc.contentType, tc.body), tc.path)
		require.Nil(t, host.GetLocalResponse(), tc.path)
		path, _ := header(host.GetRequestHeaders(), ":path")
		require.Equal(t, tc.path, path)
		_, auth := header(host.GetRequestHeaders(), "authorization")
		require.False(t, auth)
		if tc.body != "" {
			require.Equal(t, tc.body, string(host.GetRequestBody()))
		}
		host.CompleteHttp()
	}
}

// keyAuthConfig: alice may use gpt-4o; every other caller gpt-4o-mini. key-auth runs on the
// route ai-route and the domains *.secure.example.
var keyAuthConfig = json.RawMessage(`{
  "provider": {"type": "openai", "apiTokens": ["` + key1 + `"]},
  "consumers": [{"name": "alice", "models": ["gpt-4o"]}],
  "models": ["gpt-4o-mini"],
  "keyAuth": {"routes": ["ai-route", "team-a/deepseek"], "domains": ["*.secure.example", "exact.example"]}
}`)

func testConsumerTrustedOnlyWhereKeyAuthRuns(t *testing.T) {
	for _, tc := range []struct {
		route, authority string
		trusted          bool
	}{
		{"ai-route", "gw", true},
		{"team-a/deepseek", "gw", true},
		{"other-route", "gw", false},
		{"other-route", "api.secure.example", true},
		{"other-route", "api.secure.example:8443", true},
		{"other-route", "exact.example", true},
		{"other-route", "EXACT.example", false},
		{"other-route", "secure.example.attacker", false},
		{"deepseek", "gw", false},
	} {
		t.Run(tc.route+"@"+tc.authority, func(t *testing.T) {
			host := start(t, keyAuthConfig)
			require.NoError(t, host.SetRouteName(tc.route))
			host.CallOnHttpRequestHeaders([][2]string{{":authority", tc.authority}, {":method", "POST"}, {":path", "/v1/chat/completions"},
				{"content-type", "application/json"}, {"x-mse-consumer", "alice"}})
			host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o"}`))
			if !tc.trusted {
				// A client's own X-Mse-Consumer is no consumer: the others' list applies.
				require.Equal(t, "model_not_allowed", openAIError(t, host, 403))
				host.CompleteHttp()
				host.CallOnHttpRequestHeaders([][2]string{{":authority", tc.authority}, {":method", "POST"}, {":path", "/v1/chat/completions"},
					{"content-type", "application/json"}, {"x-mse-consumer", "alice"}})
				host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o-mini"}`))
			}
			require.Nil(t, host.GetLocalResponse())
			host.CallOnHttpResponseHeaders([][2]string{{":status", "200"}, {"content-type", "application/json"}})
			host.CallOnHttpResponseBody([]byte(`{"model":"gpt-4o","usage":{"prompt_tokens":1,"completion_tokens":1}}`))
			l := aiLog(t, host)
			if tc.trusted {
				require.Equal(t, "alice", l["consumer"])
			} else {
				require.NotContains(t, l, "consumer", "usage attributed to a consumer the client named itself")
			}
			host.CompleteHttp()
		})
	}
	t.Run("two values", func(t *testing.T) {
		// Higress's C++ key-auth adds its value beside the client's.
		host := start(t, keyAuthConfig)
		require.NoError(t, host.SetRouteName("ai-route"))
		for _, path := range []string{"/v1/chat/completions", "/v1/models", "/v1/files"} {
			host.CallOnHttpRequestHeaders([][2]string{{":authority", "gw"}, {":method", "GET"}, {":path", path},
				{"x-mse-consumer", "alice"}, {"x-mse-consumer", "intern"}}, test.WithEndOfStream(true))
			require.Equal(t, "ambiguous_consumer", openAIError(t, host, 400), path)
			host.CompleteHttp()
		}
	})
	t.Run("no keyAuth", func(t *testing.T) {
		// Without a keyAuth block no consumer header is trusted.
		host := start(t, json.RawMessage(`{"provider": {"type": "openai", "apiTokens": ["`+key1+`"]}, "models": ["gpt-4o-mini"]}`))
		request(host, "/v1/chat/completions", "alice")
		host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o-mini"}`))
		host.CallOnHttpResponseHeaders([][2]string{{":status", "200"}, {"content-type", "application/json"}})
		host.CallOnHttpResponseBody([]byte(`{"usage":{"prompt_tokens":1,"completion_tokens":1}}`))
		require.NotContains(t, aiLog(t, host), "consumer")
		host.CompleteHttp()
	})
}

func testGatewayKeysNeverForwarded(t *testing.T) {
	cfg := json.RawMessage(`{
	  "provider": {"type": "openai", "apiTokens": ["` + key1 + `"]},
	  "keyAuth": {"global": true, "keys": ["x-higress-dummy-key", "X-Team-Key"], "queryKeys": ["apikey", "key"]}
	}`)
	keyHeaders := []string{"authorization", "proxy-authorization", "api-key", "x-api-key", "x-higress-dummy-key", "x-team-key"}
	for _, tc := range []struct {
		name, path, wantPath string
		api                  bool
	}{
		{"api path", "/v1/chat/completions?apikey=hai_q", "/v1/chat/completions", true},
		{"other path", "/v1/files?apikey=hai_q&x=1&key=hai_q2&api%6Bey=hai_q3&keep=a%26b", "/v1/files?x=1&keep=a%26b", false},
		{"other path, only keys", "/v1/files?apikey=hai_q", "/v1/files", false},
		{"other path, no query", "/v1/files", "/v1/files", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := start(t, cfg)
			headers := [][2]string{{":authority", "gw"}, {":method", "POST"}, {":path", tc.path}, {"content-type", "application/json"},
				{"x-custom", "kept"}}
			for _, h := range keyHeaders {
				headers = append(headers, [2]string{h, "hai_gateway_key"})
			}
			host.CallOnHttpRequestHeaders(headers)
			host.CallOnHttpRequestBody([]byte(`{"model":"gpt-4o"}`))
			got := host.GetRequestHeaders()
			for _, h := range keyHeaders {
				v, _ := header(got, h)
				require.NotContains(t, v, "hai_gateway_key", "%s reached the provider", h)
			}
			path, _ := header(got, ":path")
			require.Equal(t, tc.wantPath, path)
			custom, _ := header(got, "x-custom")
			require.Equal(t, "kept", custom)
			if tc.api {
				auth, _ := header(got, "authorization")
				require.Equal(t, "Bearer "+key1, auth)
			}
			host.CompleteHttp()
		})
	}
}
