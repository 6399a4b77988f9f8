package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// installedRule is the config Higress sends the plugin on route gpt-4o, as `plugin install`,
// `provider add`, `route bind --provider` and `consumer models` leave the WasmPlugin (the main
// module's fixture, written by TestAIProxyFlowFolder): the rule's own config, the global one
// being disabled.
func installedRule(t *testing.T, route string) string {
	t.Helper()
	raw, err := os.ReadFile("../../commands/testdata/installed-ai-proxy.yaml")
	require.NoError(t, err)
	var doc struct {
		Spec struct {
			MatchRules []struct {
				Ingress []string
				Config  map[string]any
			} `yaml:"matchRules"`
		}
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	for _, r := range doc.Spec.MatchRules {
		for _, in := range r.Ingress {
			if in == route {
				b, err := json.Marshal(r.Config)
				require.NoError(t, err)
				return string(b)
			}
		}
	}
	t.Fatalf("the installed plugin has no rule for route %s", route)
	return ""
}

// gatewayRequest is a request as it leaves key-auth (the C++ build) for the plugin: the client's
// own headers, with the consumer key-auth found added beside any X-Mse-Consumer the client sent.
func gatewayRequest(t *testing.T, gw *httptest.Server, path string, clientConsumer, consumer, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", gw.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Host = "ai.example.com" // a domain key-auth covers, as the installed keyAuth block records
	req.Header.Set("Authorization", "Bearer hai_alice_gateway_key_0000000000")
	req.Header.Set("X-Higress-Dummy-Key", "hai_alice_gateway_key_0000000000")
	req.Header.Set("Content-Type", "application/json")
	if clientConsumer != "" {
		req.Header.Add("X-Mse-Consumer", clientConsumer)
	}
	req.Header.Add("X-Mse-Consumer", consumer)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// The config the commands install drives the compiled plugin: alice reaches the provider with the
// gateway's upstream key and none of hers, a model outside her list is refused, and a consumer
// name the client adds itself is refused.
func TestInstalledConfigEndToEnd(t *testing.T) {
	withFront(t, installedRule(t, "gpt-4o"), func(t *testing.T, gw *httptest.Server, fr *front, up *upstream) {
		resp := gatewayRequest(t, gw, "/v1/chat/completions?apikey=hai_alice_gateway_key_0000000000", "", "alice", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`)
		require.Equal(t, 200, resp.StatusCode)
		require.Len(t, up.received, 1)
		got := up.received[0]
		require.Equal(t, "Bearer sk-openai-UPSTREAM-0123456789abcdef", got.Auth)
		require.False(t, got.ClientKeySeen, "a gateway key reached the provider in a header")
		require.NotContains(t, got.Path, "apikey", "the key-auth query key reached the provider")
		require.Equal(t, "alice", fr.logs[0]["consumer"])

		resp = gatewayRequest(t, gw, "/v1/chat/completions", "", "alice", `{"model":"deepseek-chat","messages":[]}`)
		require.Equal(t, 403, resp.StatusCode)
		require.Len(t, up.received, 1, "a refused model reached the provider")

		resp = gatewayRequest(t, gw, "/v1/chat/completions", "bob", "alice", `{"model":"gpt-4o-mini","messages":[]}`)
		require.Equal(t, 400, resp.StatusCode)
		require.Len(t, up.received, 1, "a request with two consumers reached the provider")
	})
}
