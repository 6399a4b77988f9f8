package main

import (
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/wrapper"

	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/hosttest"
)

func nativeVM(testing.TB) types.VMContext { return wrapper.NewCommonVmCtx("noop", options()...) }

// BenchmarkNative is the baseline for ai-proxy's BenchmarkNative: the same requests through a
// plugin that does nothing.
func BenchmarkNative(b *testing.B) {
	hosttest.Benchmark(b, nativeVM, hosttest.NoopConfig)
}

func TestBenchmarkRequestsWork(t *testing.T) {
	hosttest.Check(t, nativeVM, hosttest.NoopConfig)
}
