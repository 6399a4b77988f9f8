package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const e2eConfig = `{
  "provider": {"type": "openai", "apiTokens": ["` + key1 + `", "` + key2 + `"],
               "modelMapping": {"gpt-4": "gpt-4o"}},
  "consumers": [{"name": "alice", "models": ["*"]}, {"name": "intern", "models": ["gpt-4o-mini"]}],
  "keyAuth": {"global": true}
}`

// post sends what an OpenAI SDK sends: the gateway key as a bearer token, the consumer as
// key-auth would set it.
func post(t *testing.T, gw *httptest.Server, path, consumer, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", gw.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer hai_client_gateway_key_000000000")
	req.Header.Set("Content-Type", "application/json")
	if consumer != "" {
		req.Header.Set("X-Mse-Consumer", consumer)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestEndToEndJSON(t *testing.T) {
	withFront(t, e2eConfig, func(t *testing.T, gw *httptest.Server, fr *front, up *upstream) {
		resp := post(t, gw, "/v1/chat/completions", "alice", `{"model":"gpt-4","messages":[{"role":"user","content":"hi"}]}`)
		require.Equal(t, 200, resp.StatusCode)
		var answer struct {
			Model   string
			Choices []struct{ Message struct{ Content string } }
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&answer))
		require.Equal(t, "Hello!", answer.Choices[0].Message.Content)
		require.Equal(t, "gpt-4o", answer.Model)

		require.Len(t, up.received, 1)
		got := up.received[0]
		require.Equal(t, "api.openai.com", got.Host)
		require.Equal(t, "/v1/chat/completions", got.Path)
		require.Equal(t, "Bearer "+key1, got.Auth)
		require.False(t, got.ClientKeySeen, "the client's gateway key reached the upstream")
		require.JSONEq(t, `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`, got.Body)

		l := fr.logs[0]
		require.Equal(t, map[string]any{"model": "gpt-4o", "consumer": "alice", "input_token": float64(11), "output_token": float64(7),
			"total_token": float64(18), "response_type": "normal", "llm_service_duration": l["llm_service_duration"]}, l)
		require.IsType(t, float64(0), l["llm_service_duration"])
	})
}

func TestEndToEndStreaming(t *testing.T) {
	withFront(t, e2eConfig, func(t *testing.T, gw *httptest.Server, fr *front, up *upstream) {
		resp := post(t, gw, "/v1/chat/completions", "intern", `{"model":"gpt-4o-mini","stream":true,"messages":[]}`)
		require.Equal(t, 200, resp.StatusCode)
		require.Contains(t, resp.Header.Get("Content-Type"), "text/event-stream")
		var content strings.Builder
		var events []string
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				events = append(events, data)
				var chunk struct {
					Choices []struct{ Delta struct{ Content string } }
				}
				if json.Unmarshal([]byte(data), &chunk) == nil && len(chunk.Choices) > 0 {
					content.WriteString(chunk.Choices[0].Delta.Content)
				}
			}
		}
		require.Equal(t, "Hello!", content.String())
		// The usage chunk the plugin asked for reaches the client too (valid for OpenAI clients,
		// and what the plugins after this one count a stream's tokens from).
		require.Len(t, events, 5, "three content chunks, the usage chunk and [DONE]")
		require.Contains(t, events[3], `"usage":{"prompt_tokens":21`)
		require.Equal(t, "[DONE]", events[4])
		require.Contains(t, up.received[0].Body, `"stream_options":{"include_usage":true}`)

		l := fr.logs[0]
		require.Equal(t, "stream", l["response_type"])
		require.Equal(t, float64(21), l["input_token"])
		require.Equal(t, float64(3), l["output_token"])
		require.Equal(t, "intern", l["consumer"])
		require.Contains(t, l, "llm_first_token_duration")
	})
}

func TestEndToEndUpstreamErrorsAndKeyRotation(t *testing.T) {
	withFront(t, e2eConfig, func(t *testing.T, gw *httptest.Server, fr *front, up *upstream) {
		for _, tc := range []struct {
			model string
			code  int
		}{{"fail-429", 429}, {"fail-500", 500}} {
			resp := post(t, gw, "/v1/chat/completions", "alice", `{"model":"`+tc.model+`"}`)
			require.Equal(t, tc.code, resp.StatusCode)
			b, _ := io.ReadAll(resp.Body)
			require.Contains(t, string(b), fmt.Sprintf(`"message":"upstream says %d"`, tc.code), "the upstream's error reaches the client unchanged")
		}
		// key1 answered 429 above: it rests. Revoke key2: its 401 reaches the client as it is...
		up.mu.Lock()
		up.revoked = key2
		up.mu.Unlock()
		resp := post(t, gw, "/v1/chat/completions", "alice", `{"model":"gpt-4o"}`)
		require.Equal(t, 401, resp.StatusCode)
		// ...and from then on the plugin prefers the key that rests for less (key1, 429).
		for i := 0; i < 3; i++ {
			resp = post(t, gw, "/v1/chat/completions", "alice", `{"model":"gpt-4o"}`)
			require.Equal(t, 200, resp.StatusCode)
		}
		n := len(up.received)
		for _, r := range up.received[n-3:] {
			require.Equal(t, "Bearer "+key1, r.Auth)
		}
		for _, l := range fr.logs {
			require.Equal(t, "alice", l["consumer"])
		}
	})
}

func TestEndToEndPluginAnswers(t *testing.T) {
	withFront(t, e2eConfig, func(t *testing.T, gw *httptest.Server, fr *front, up *upstream) {
		resp := post(t, gw, "/v1/chat/completions", "intern", `{"model":"gpt-4o"}`)
		require.Equal(t, 403, resp.StatusCode)
		b, _ := io.ReadAll(resp.Body)
		require.Contains(t, string(b), `"code":"model_not_allowed"`)
		require.Empty(t, up.received, "a refused request never reaches the upstream")

		req, _ := http.NewRequest("GET", gw.URL+"/v1/models", nil)
		req.Header.Set("X-Mse-Consumer", "intern")
		mresp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer mresp.Body.Close()
		b, _ = io.ReadAll(mresp.Body)
		require.JSONEq(t, `{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","created":0,"owned_by":"higress-ai"}]}`, string(b))
	})
}

func TestEndToEndPromptParam(t *testing.T) {
	cfg := `{"provider":{"type":"openai","apiTokens":["` + key1 + `"],"serviceName":"openai.dns"},"promptParam":"text","defaultModel":"gpt-4o-mini"}`
	withFront(t, cfg, func(t *testing.T, gw *httptest.Server, fr *front, up *upstream) {
		resp, err := http.Get(gw.URL + "/?text=Say,hello")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, "Hello!", string(b))
		require.Equal(t, "Bearer "+key1, up.received[0].Auth)
		require.JSONEq(t, `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say,hello"}]}`, up.received[0].Body)
		require.Equal(t, float64(11), fr.logs[0]["input_token"])
	})
}

func TestEndToEndPassThroughWithoutTheClientsKey(t *testing.T) {
	withFront(t, e2eConfig, func(t *testing.T, gw *httptest.Server, fr *front, up *upstream) {
		resp := post(t, gw, "/v1/responses", "alice", `{"model":"gpt-4o","input":"hi"}`)
		require.Equal(t, 200, resp.StatusCode)
		require.Len(t, up.received, 1)
		require.Equal(t, "/v1/responses", up.received[0].Path)
		require.False(t, up.received[0].ClientKeySeen, "the client's gateway key reached the upstream")
		require.Empty(t, up.received[0].Auth)
	})
}

func TestEndToEndCompressedBodyRefused(t *testing.T) {
	withFront(t, e2eConfig, func(t *testing.T, gw *httptest.Server, fr *front, up *upstream) {
		req, err := http.NewRequest("POST", gw.URL+"/v1/chat/completions", strings.NewReader("\x1f\x8b compressed"))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", "gzip")
		req.Header.Set("X-Mse-Consumer", "intern")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		require.Equal(t, 415, resp.StatusCode, string(b))
		require.Contains(t, string(b), `"code":"unsupported_content_encoding"`)
		require.Empty(t, up.received, "an unchecked request reached the upstream")
	})
}
