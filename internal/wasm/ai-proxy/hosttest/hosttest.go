// Package hosttest runs a plugin in proxy-wasm-go-sdk's host emulator as Envoy would, natively or
// as the compiled module in wazero, for the end-to-end, soak and benchmark code: the requests the
// benchmarks measure (the same for ai-proxy and the no-op baseline), and in wasm mode the context
// cleanup Envoy does and the emulator leaves out. Only tests and benchmarks import it.
package hosttest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
)

// AIProxyConfig is the ai-proxy config the requests are written for: the alice consumer may use
// gpt-4o, which the request asks for as gpt-4 (mapped). The keys are fake.
const AIProxyConfig = `{
  "provider": {"type": "openai", "apiTokens": ["sk-bench-fake-key-1", "sk-bench-fake-key-2"],
               "modelMapping": {"gpt-4": "gpt-4o"}},
  "consumers": [{"name": "alice", "models": ["gpt-4o", "gpt-4"]}],
  "models": [],
  "keyAuth": {"global": true}
}`

// NoopConfig is the no-op plugin's config.
const NoopConfig = `{}`

var (
	requestHeaders = [][2]string{
		{":authority", "gateway.example"}, {":method", "POST"}, {":path", "/v1/chat/completions"}, {":scheme", "https"},
		{"content-type", "application/json"}, {"authorization", "Bearer hai-bench-client-key"},
		{"user-agent", "OpenAI/Python 1.54.0"}, {"x-mse-consumer", "alice"}, {"content-length", strconv.Itoa(len(chatBody))},
		{"accept", "application/json"}, {"accept-encoding", "gzip, deflate"}, {"x-request-id", "5d3c1e7a-bench"},
	}
	// chatBody is a realistic chat completion of about 1 KB: a system prompt, a short
	// conversation, sampling parameters. streamBody is the same, streamed.
	chatBody   = chatRequest(false)
	streamBody = chatRequest(true)

	jsonResponseHeaders = [][2]string{{":status", "200"}, {"content-type", "application/json"},
		{"content-length", "351"}, {"openai-processing-ms", "312"}, {"x-request-id", "req_bench"}}
	jsonResponse = []byte(`{"id":"chatcmpl-bench","object":"chat.completion","created":1732500000,"model":"gpt-4o-2024-08-06",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":"Hello."},"logprobs":null,"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":24,"completion_tokens":2,"total_tokens":26,"prompt_tokens_details":{"cached_tokens":0}},` +
		`"system_fingerprint":"fp_bench"}`)

	streamResponseHeaders = [][2]string{{":status", "200"}, {"content-type", "text/event-stream; charset=utf-8"},
		{"openai-processing-ms", "120"}, {"x-request-id", "req_bench"}}
	// streamChunks are what arrives from the provider, one read at a time: a role chunk, eight
	// content chunks, the finish chunk, the usage chunk and [DONE].
	streamChunks = func() [][]byte {
		chunk := func(delta, finish string) []byte {
			return []byte(`data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1732500000,` +
				`"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_bench","choices":[{"index":0,"delta":` + delta +
				`,"logprobs":null,"finish_reason":` + finish + `}],"usage":null}` + "\n\n")
		}
		out := [][]byte{chunk(`{"role":"assistant","content":""}`, "null")}
		for _, w := range []string{"Hel", "lo", ",", " wor", "ld", "!", " How", " are"} {
			out = append(out, chunk(`{"content":"`+w+`"}`, "null"))
		}
		out = append(out, chunk(`{}`, `"stop"`))
		out = append(out, []byte(`data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1732500000,`+
			`"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_bench","choices":[],`+
			`"usage":{"prompt_tokens":24,"completion_tokens":9,"total_tokens":33}}`+"\n\n"))
		return append(out, []byte("data: [DONE]\n\n"))
	}()
)

// chatRequest is the benchmarks' request body (about 1 KB), streamed or not.
func chatRequest(stream bool) []byte {
	messages := []map[string]string{
		{"role": "system", "content": "You are a support assistant for an online bookshop. Answer in the customer's language, " +
			"in at most three short sentences. Never promise delivery dates; point to the order page instead. " +
			"If the question is not about books, orders or the shop, say politely that you can only help with those."},
		{"role": "user", "content": "Hello! I ordered two paperbacks last Tuesday, order 4471-2291, and the tracking page " +
			"still says 'label created'. Is something wrong with it?"},
		{"role": "assistant", "content": "Sorry for the wait! 'Label created' means the parcel is packed and waiting for " +
			"the carrier; it usually moves within two working days. You can follow it on your order page."},
		{"role": "user", "content": "Thanks. Can I still add a third book to the same parcel, or is it too late?"},
	}
	req := map[string]any{"model": "gpt-4", "messages": messages, "temperature": 0.2, "max_tokens": 256, "top_p": 1,
		"presence_penalty": 0, "frequency_penalty": 0, "user": "customer-8812"}
	if stream {
		req["stream"] = true
	}
	b, err := json.Marshal(req)
	if err != nil {
		panic(err)
	}
	return b
}

// Host is a started plugin in the emulator.
type Host struct {
	proxytest.HostEmulator
	reset func()
	// guest is the compiled module in wasm mode, nil natively.
	guest *Guest
}

// Start starts a plugin with cfg on vm: the compiled module (from LoadWasm) or the plugin linked
// into the test binary (proxywasm.GetVMContext()). Close it when done; one at a time.
func Start(vm types.VMContext, cfg string) (*Host, error) {
	// The emulator replaces the SDK's global VM and its reset clears it; wasm-go's test host takes
	// the plugin's native VM from that global on first use, so Close puts it back.
	prev := proxywasm.GetVMContext()
	opt := proxytest.NewEmulatorOption().WithPluginConfiguration([]byte(cfg)).WithVMContext(vm)
	emu, reset := proxytest.NewHostEmulator(opt)
	// wasm-go's logger asks the host for its level through this foreign function.
	emu.RegisterForeignFunction("get_log_level", func([]byte) []byte { return binary.LittleEndian.AppendUint32(nil, 2) })
	h := &Host{HostEmulator: emu, reset: func() {
		reset()
		proxywasm.SetVMContext(prev)
	}}
	if wvm, ok := vm.(proxytest.WasmVMContext); ok {
		g, err := GuestOf(wvm)
		if err != nil {
			h.Close()
			return nil, err
		}
		h.guest = g
	}
	if st := emu.StartPlugin(); st != types.OnPluginStartStatusOK {
		h.Close()
		return nil, fmt.Errorf("the plugin did not start with config %s", cfg)
	}
	return h, nil
}

// LoadWasm compiles a .wasm file for Start.
func LoadWasm(path string) (proxytest.WasmVMContext, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return proxytest.NewWasmVMContext(b)
}

// Close releases the emulator; the caller closes a wasm VM it loaded.
func (h *Host) Close() {
	h.reset()
}

// ChatJSON sends one non-streaming chat completion and checks the client gets the answer.
func (h *Host) ChatJSON() error {
	id := h.InitializeHttpContext()
	defer h.Done(id)
	if err := h.request(id, chatBody); err != nil {
		return err
	}
	h.CallOnResponseHeaders(id, jsonResponseHeaders, false)
	if a := h.CallOnResponseBody(id, jsonResponse, true); a != types.ActionContinue {
		return fmt.Errorf("response body: action %v", a)
	}
	if got := h.GetCurrentResponseBody(id); len(got) != len(jsonResponse) {
		return fmt.Errorf("the client got %d bytes of a %d-byte answer", len(got), len(jsonResponse))
	}
	return nil
}

// ChatStream sends one streaming chat completion, the answer in twelve chunks, and checks every
// content chunk reaches the client.
func (h *Host) ChatStream() error {
	id := h.InitializeHttpContext()
	defer h.Done(id)
	if err := h.request(id, streamBody); err != nil {
		return err
	}
	h.CallOnResponseHeaders(id, streamResponseHeaders, false)
	passed := 0
	for i, c := range streamChunks {
		h.CallOnResponseBody(id, c, false)
		if i < len(streamChunks)-2 && len(h.GetCurrentResponseBody(id)) == len(c) {
			passed++
		}
	}
	h.CallOnResponseBody(id, nil, true)
	if passed != len(streamChunks)-2 {
		return fmt.Errorf("%d of %d content chunks passed as they came", passed, len(streamChunks)-2)
	}
	return nil
}

// Done ends a request as Envoy does: the access log (proxy_on_log, where ai_log is complete), then
// proxy_on_delete, which the emulator does not pass to a compiled module.
func (h *Host) Done(id uint32) {
	h.CompleteHttpContext(id)
	h.Delete(id)
}

// Delete is proxy_on_delete, for a caller that reads the log between the two.
func (h *Host) Delete(id uint32) {
	if h.guest != nil {
		if err := h.guest.Delete(id); err != nil {
			panic(fmt.Sprintf("proxy_on_delete: %v", err))
		}
	}
}

// Guest is the compiled module in wasm mode, nil natively.
func (h *Host) Guest() *Guest { return h.guest }

// ResetAILog empties ai_log before a request: in Envoy it is per request, the emulator keeps
// properties as long as the host (and refuses to set an empty value).
func (h *Host) ResetAILog() {
	_ = h.SetProperty([]string{"ai_log"}, []byte("{}"))
}

// AILog reads the ai_log property as the access log prints it: nil when absent or empty.
func (h *Host) AILog() (map[string]any, error) {
	raw, _ := h.GetProperty([]string{"ai_log"})
	if len(raw) == 0 {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal([]byte(`"`+string(raw)+`"`), &s); err != nil {
		return nil, fmt.Errorf("ai_log is not an escaped JSON string: %s", raw)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("ai_log is not a JSON object: %s", s)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

func (h *Host) request(id uint32, body []byte) error {
	h.ResetAILog()
	h.CallOnRequestHeaders(id, requestHeaders, false)
	if lr := h.GetSentLocalResponse(id); lr != nil {
		return fmt.Errorf("the plugin answered %d: %s", lr.StatusCode, lr.Data)
	}
	h.CallOnRequestBody(id, body, true)
	if lr := h.GetSentLocalResponse(id); lr != nil {
		return fmt.Errorf("the plugin answered %d: %s", lr.StatusCode, lr.Data)
	}
	return nil
}

// Benchmark runs the chat-json and chat-stream requests through a plugin started with cfg on a VM
// from newVM, one sub-benchmark each; an op is one whole request. Besides wall time it reports
// cpu-ns/op, the CPU time of the benchmark's own thread (threadCPU), where the plugin runs.
func Benchmark(b *testing.B, newVM func(testing.TB) types.VMContext, cfg string) {
	// The emulator prints plugin starts and foreign calls through the log package, to stdout,
	// in the middle of the benchmark lines: quiet while measuring.
	prev := log.Writer()
	log.SetOutput(io.Discard)
	defer log.SetOutput(prev)
	for _, sc := range Scenarios {
		b.Run(sc.Name, func(b *testing.B) {
			h, err := Start(newVM(b), cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0, cpuOK := threadCPU()
			for b.Loop() {
				if err := sc.Run(h); err != nil {
					b.Fatal(err)
				}
			}
			if cpu1, ok := threadCPU(); ok && cpuOK {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// Scenarios are the requests measured.
var Scenarios = []struct {
	Name string
	Run  func(*Host) error
}{{"chat-json", (*Host).ChatJSON}, {"chat-stream", (*Host).ChatStream}}

// Check runs each scenario a few times on a VM from newVM: the benchmarks measure a plugin that works.
func Check(t *testing.T, newVM func(testing.TB) types.VMContext, cfg string) {
	t.Helper()
	for _, sc := range Scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			h, err := Start(newVM(t), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			for i := 0; i < 3; i++ {
				if err := sc.Run(h); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
			}
		})
	}
}
