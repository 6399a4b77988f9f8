package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// rssBytes is the test process's resident memory: the compiled plugin's linear memory lives in it.
func rssBytes(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	require.NoError(t, err)
	pages, err := strconv.ParseInt(strings.Fields(string(b))[1], 10, 64)
	require.NoError(t, err)
	return pages * int64(os.Getpagesize())
}

// soakRequest sends request i of the soak mix: JSON, streamed, and refused (by ai-proxy).
func soakRequest(t *testing.T, gw *httptest.Server, i int) (status int, body string) {
	var resp *http.Response
	switch i % 4 {
	case 0, 1:
		resp = post(t, gw, "/v1/chat/completions", "alice", `{"model":"gpt-4o","messages":[{"role":"user","content":"`+strconv.Itoa(i)+`"}]}`)
	case 2:
		resp = post(t, gw, "/v1/chat/completions", "intern", `{"model":"gpt-4o-mini","stream":true}`)
	default:
		resp = post(t, gw, "/v1/chat/completions", "intern", `{"model":"gpt-4o"}`)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// soak runs the mix through a plugin and returns how much resident memory grew per request after
// warm-up; check looks at each answer.
func soak(t *testing.T, path, cfg string, check func(t *testing.T, i, status int, body string, log map[string]any)) (perRequest float64) {
	const total, warm = 5000, 500
	withFrontOn(t, path, cfg, func(t *testing.T, gw *httptest.Server, fr *front, up *upstream) {
		var rssWarm int64
		for i := 0; i < total; i++ {
			if i == warm {
				runtime.GC()
				rssWarm = rssBytes(t)
			}
			status, body := soakRequest(t, gw, i)
			check(t, i, status, body, fr.logs[len(fr.logs)-1])
			fr.logs = fr.logs[:0]
			up.mu.Lock()
			up.received = up.received[:0]
			up.mu.Unlock()
		}
		runtime.GC()
		perRequest = float64(rssBytes(t)-rssWarm) / float64(total-warm)
	})
	return perRequest
}

// TestSoak sends 5,000 requests (JSON and streamed, allowed and refused) through the compiled
// plugin and checks every answer and ai_log. With wazero older than v1.9 a Go plugin corrupts its
// heap after one or two thousand requests; this is the test that catches it.
//
// Memory: wasm-go's test host keeps every request's headers and bodies, and never calls
// proxy_on_delete in wasm mode, so memory grows with requests whatever the plugin. The same mix
// runs through the no-op plugin built the same way, and ai-proxy may grow by at most 4 KiB a
// request more than it: what it keeps per request is bounded and small.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: 5,000 requests")
	}
	plugin := soak(t, pluginPath(t, "WASM_FILE_PATH", "plugin.wasm"), e2eConfig, func(t *testing.T, i, status int, body string, l map[string]any) {
		switch i % 4 {
		case 0, 1:
			require.Equal(t, 200, status, "request %d: %s", i, body)
			require.Contains(t, body, `"content":"Hello!"`)
			require.Equal(t, float64(11), l["input_token"], "request %d: ai_log %v", i, l)
		case 2:
			require.Equal(t, 200, status, "request %d", i)
			require.True(t, strings.HasSuffix(body, "data: [DONE]\n\n"), "request %d: %q", i, body)
			require.NotContains(t, body, `"usage":{`)
			require.Equal(t, float64(21), l["input_token"], "request %d: ai_log %v", i, l)
		default:
			require.Equal(t, 403, status, "request %d", i)
		}
	})
	noop := soak(t, pluginPath(t, "NOOP_WASM_FILE_PATH", "noop.wasm"), `{}`, func(t *testing.T, i, status int, body string, _ map[string]any) {
		require.Less(t, status, 500, "no-op request %d: %s", i, body)
	})
	t.Logf("resident memory per request after warm-up: ai-proxy %.0f bytes, no-op %.0f bytes", plugin, noop)
	require.Less(t, plugin-noop, 4096.0, fmt.Sprintf("ai-proxy keeps %.0f bytes a request more than a no-op plugin", plugin-noop))
}
