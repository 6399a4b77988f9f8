package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/stretchr/testify/require"

	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/hosttest"
)

// front is a small gateway for end-to-end tests: a net/http server that runs each request through
// the compiled plugin in wazero as Envoy would (headers, body, response headers, each body chunk
// as it arrives, access log, context deletion), sends what the plugin left of the request to the
// upstream, and streams the answer back as the plugin passes it.
type front struct {
	host     *hosttest.Host
	upstream *url.URL // every provider host and cluster resolves here
	mu       sync.Mutex
	logs     []map[string]any // ai_log of each request, in order
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The emulator holds one request at a time, as one Envoy worker thread would.
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.host
	h.ResetAILog()
	id := h.InitializeHttpContext()
	defer func() {
		h.CompleteHttpContext(id)
		l, err := h.AILog()
		if err != nil {
			l = map[string]any{"unreadable": err.Error()}
		}
		f.logs = append(f.logs, l)
		h.Delete(id)
	}()
	body, _ := io.ReadAll(r.Body)
	headers := [][2]string{{":authority", r.Host}, {":method", r.Method}, {":path", r.URL.RequestURI()}, {":scheme", "http"}}
	headers = append(headers, headerPairs(r.Header)...)
	h.CallOnRequestHeaders(id, headers, len(body) == 0)
	if f.local(w, id) {
		return
	}
	if calls := h.GetCalloutAttributesFromContext(id); len(calls) > 0 {
		c := calls[len(calls)-1]
		status, respHeaders, respBody := f.call(c.Headers, c.Body)
		h.CallOnHttpCallResponse(c.CalloutID, append([][2]string{{":status", fmt.Sprint(status)}}, respHeaders...), nil, respBody)
		f.local(w, id)
		return
	}
	if len(body) > 0 {
		h.CallOnRequestBody(id, body, true)
		if f.local(w, id) {
			return
		}
	}
	resp, err := f.send(h.GetCurrentRequestHeaders(id), h.GetCurrentRequestBody(id))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	respHeaders := append([][2]string{{":status", fmt.Sprint(resp.StatusCode)}}, headerPairs(resp.Header)...)
	h.CallOnResponseHeaders(id, respHeaders, false)
	for _, hd := range h.GetCurrentResponseHeaders(id) {
		if !strings.HasPrefix(hd[0], ":") && hd[0] != "content-length" {
			w.Header().Add(hd[0], hd[1])
		}
	}
	w.WriteHeader(resp.StatusCode)
	// Each read goes to the plugin as it arrives; what it passes goes to the client at once.
	// When it pauses (buffering a whole answer), the emulator keeps the chunks, as Envoy would.
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 && h.CallOnResponseBody(id, bytes.Clone(buf[:n]), false) == types.ActionContinue {
			w.Write(h.GetCurrentResponseBody(id))
			w.(http.Flusher).Flush()
		}
		if err != nil {
			break
		}
	}
	h.CallOnResponseBody(id, nil, true)
	w.Write(h.GetCurrentResponseBody(id))
}

func headerPairs(hs http.Header) [][2]string {
	var out [][2]string
	for k, vs := range hs {
		for _, v := range vs {
			out = append(out, [2]string{strings.ToLower(k), v})
		}
	}
	return out
}

// local writes the plugin's own answer, if it gave one.
func (f *front) local(w http.ResponseWriter, id uint32) bool {
	lr := f.host.GetSentLocalResponse(id)
	if lr == nil {
		return false
	}
	for _, hd := range lr.Headers {
		w.Header().Add(hd[0], hd[1])
	}
	w.WriteHeader(int(lr.StatusCode))
	w.Write(lr.Data)
	return true
}

// send forwards the request as the plugin left it; the Host header keeps the plugin's :authority.
func (f *front) send(headers [][2]string, body []byte) (*http.Response, error) {
	var method, path, authority string
	out := http.Header{}
	for _, h := range headers {
		switch h[0] {
		case ":method":
			method = h[1]
		case ":path":
			path = h[1]
		case ":authority":
			authority = h[1]
		case ":scheme":
		default:
			out.Add(h[0], h[1])
		}
	}
	req, err := http.NewRequest(method, f.upstream.String()+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = out
	req.Host = authority
	return http.DefaultClient.Do(req)
}

func (f *front) call(headers [][2]string, body []byte) (int, [][2]string, []byte) {
	resp, err := f.send(headers, body)
	if err != nil {
		return 503, nil, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, headerPairs(resp.Header), b
}

// upstream is a loopback OpenAI-compatible server that answers like the real API: JSON or SSE
// with a usage chunk, and 401 for a revoked key, 429 and 500 when the model asks for them.
type upstream struct {
	mu       sync.Mutex
	received []received
	revoked  string
}

type received struct {
	Host, Path, Auth, Body string
	ClientKeySeen          bool
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.received = append(u.received, received{Host: r.Host, Path: r.URL.RequestURI(), Auth: r.Header.Get("Authorization"), Body: string(body),
		ClientKeySeen: strings.Contains(fmt.Sprint(r.Header), "hai_")})
	revoked := u.revoked
	u.mu.Unlock()
	var req struct {
		Model         string
		Stream        bool
		StreamOptions struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	_ = json.Unmarshal(body, &req)
	w.Header().Set("x-request-id", "upstream-req")
	fail := func(code int, typ string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"message":"upstream says %d","type":%q,"param":null,"code":null}}`, code, typ)
	}
	switch {
	case revoked != "" && r.Header.Get("Authorization") == "Bearer "+revoked:
		fail(401, "invalid_request_error")
		return
	case req.Model == "fail-429":
		fail(429, "requests")
		return
	case req.Model == "fail-500":
		fail(500, "server_error")
		return
	}
	if req.Stream {
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		for _, word := range []string{"Hel", "lo", "!"} {
			fmt.Fprintf(w, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":%q,\"choices\":[{\"index\":0,\"delta\":{\"content\":%q}}],\"usage\":null}\n\n", req.Model, word)
			fl.Flush()
		}
		if req.StreamOptions.IncludeUsage {
			fmt.Fprintf(w, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":%q,\"choices\":[],\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":3,\"total_tokens\":24}}\n\n", req.Model)
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":"c","object":"chat.completion","model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}`, req.Model)
}

// pluginPath is the compiled plugin the wasm tests run: WASM_FILE_PATH (scripts/test-plugin.sh
// sets it), else plugin.wasm here. Under HIGRESS_AI_REQUIRE_REAL=1 a missing file fails the test.
func pluginPath(t *testing.T, env, def string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		path = def
	}
	if _, err := os.Stat(path); err != nil && os.Getenv("HIGRESS_AI_REQUIRE_REAL") == "1" {
		t.Fatalf("compiled plugin not found at %s (%s): scripts/test-plugin.sh builds it", path, env)
	}
	return path
}

// compiled holds each compiled module for the whole test binary: compiling the 6 MB plugin in
// wazero takes seconds, and a plugin must work when started again on the same VM anyway (Envoy
// does that on every config change). TestMain closes them.
var compiled = struct {
	sync.Mutex
	vms map[string]proxytest.WasmVMContext
}{vms: map[string]proxytest.WasmVMContext{}}

func compiledVM(t *testing.T, path string) proxytest.WasmVMContext {
	t.Helper()
	compiled.Lock()
	defer compiled.Unlock()
	if vm, ok := compiled.vms[path]; ok {
		return vm
	}
	vm, err := hosttest.LoadWasm(path)
	require.NoError(t, err)
	compiled.vms[path] = vm
	return vm
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, vm := range compiled.vms {
		vm.Close()
	}
	os.Exit(code)
}

// withFront runs f against a front on the compiled plugin (wasm only: this is what Envoy runs).
func withFront(t *testing.T, cfg string, f func(t *testing.T, gw *httptest.Server, fr *front, up *upstream)) {
	withFrontOn(t, pluginPath(t, "WASM_FILE_PATH", "plugin.wasm"), cfg, f)
}

func withFrontOn(t *testing.T, path, cfg string, f func(t *testing.T, gw *httptest.Server, fr *front, up *upstream)) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no compiled plugin at %s: scripts/test-plugin.sh builds it", path)
	}
	host, err := hosttest.Start(compiledVM(t, path), cfg)
	require.NoError(t, err)
	defer host.Close()
	up := &upstream{}
	upSrv := httptest.NewServer(up)
	defer upSrv.Close()
	u, _ := url.Parse(upSrv.URL)
	fr := &front{host: host, upstream: u}
	gw := httptest.NewServer(fr)
	defer gw.Close()
	f(t, gw, fr, up)
}
