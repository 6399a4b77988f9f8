package hosttest

import (
	"os"
	"sync"
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
)

// plugins are the compiled modules measured, named by the variables scripts/test-plugin.sh and
// scripts/bench-plugin.sh set.
var plugins = []struct{ name, env, cfg string }{
	{"ai-proxy", "WASM_FILE_PATH", AIProxyConfig},
	{"noop", "NOOP_WASM_FILE_PATH", NoopConfig},
}

// wasmVM returns a loader of the compiled plugin named by env. Without it the caller is skipped,
// or fails under HIGRESS_AI_REQUIRE_REAL=1.
func wasmVM(tb testing.TB, env string) func(testing.TB) types.VMContext {
	tb.Helper()
	path := os.Getenv(env)
	if _, err := os.Stat(path); path == "" || err != nil {
		if os.Getenv("HIGRESS_AI_REQUIRE_REAL") == "1" {
			tb.Fatalf("no compiled plugin at %q (%s): scripts/test-plugin.sh builds it", path, env)
		}
		tb.Skipf("no compiled plugin at %q (%s): scripts/test-plugin.sh builds it and sets it", path, env)
	}
	return func(tb testing.TB) types.VMContext {
		compiledMu.Lock()
		defer compiledMu.Unlock()
		if vm, ok := compiled[path]; ok {
			return vm
		}
		vm, err := LoadWasm(path)
		if err != nil {
			tb.Fatal(err)
		}
		compiled[path] = vm
		return vm
	}
}

// compiled keeps each compiled module for the whole test binary: compiling one takes seconds,
// and Go runs each benchmark function several times. Each run starts the plugin afresh on it.
var (
	compiledMu sync.Mutex
	compiled   = map[string]proxytest.WasmVMContext{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, vm := range compiled {
		vm.Close()
	}
	os.Exit(code)
}

// BenchmarkWasm measures the requests through each compiled module in wazero: what Envoy runs.
func BenchmarkWasm(b *testing.B) {
	for _, p := range plugins {
		// plugin=NAME: benchstat -col /plugin compares the two (scripts/bench-plugin.sh).
		b.Run("plugin="+p.name, func(b *testing.B) {
			Benchmark(b, wasmVM(b, p.env), p.cfg)
		})
	}
}

func TestBenchmarkRequestsWorkInWasm(t *testing.T) {
	for _, p := range plugins {
		t.Run(p.name, func(t *testing.T) {
			Check(t, wasmVM(t, p.env), p.cfg)
		})
	}
}

func TestRequestBodyIsRealistic(t *testing.T) {
	// The target is for a 1 KB chat completion.
	for _, b := range [][]byte{chatBody, streamBody} {
		if len(b) < 900 || len(b) > 1200 {
			t.Errorf("the benchmark's body is %d bytes, not about 1 KB", len(b))
		}
	}
}
