package hosttest

import (
	"os"
	"testing"

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
		vm, err := LoadWasm(path)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { vm.Close() })
		return vm
	}
}

// BenchmarkWasm measures the requests through each compiled module in wazero: what Envoy runs.
func BenchmarkWasm(b *testing.B) {
	for _, p := range plugins {
		b.Run(p.name, func(b *testing.B) {
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
