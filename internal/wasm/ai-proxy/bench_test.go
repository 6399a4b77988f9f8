package main

import (
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/wrapper"

	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/hosttest"
)

func nativeVM(testing.TB) types.VMContext { return wrapper.NewCommonVmCtx("ai-proxy", options()...) }

// BenchmarkNative measures a request through ai-proxy compiled into the test binary, in the host
// emulator: the plugin's own cost without wazero. The no-op plugin has the same benchmark
// (noop/bench_test.go), and hosttest the same requests against both compiled modules.
func BenchmarkNative(b *testing.B) {
	hosttest.Benchmark(b, nativeVM, hosttest.AIProxyConfig)
}

func TestBenchmarkRequestsWork(t *testing.T) {
	hosttest.Check(t, nativeVM, hosttest.AIProxyConfig)
}
