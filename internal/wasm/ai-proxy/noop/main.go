// Command noop is a Wasm plugin that does nothing, built exactly as ai-proxy is (same SDK, same
// wrapper, same callbacks registered): the baseline the plugin's benchmarks and soak test
// measure ai-proxy's own cost against.
package main

import (
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/wrapper"
)

func main() {}

func init() {
	wrapper.SetCtx("noop", options()...)
}

// options are the callbacks, all doing nothing; benchmarks build a native VM from them.
func options() []wrapper.CtxOption[config] {
	return []wrapper.CtxOption[config]{
		wrapper.ParseRawConfig(func([]byte, *config) error { return nil }),
		wrapper.ProcessRequestHeaders(func(wrapper.HttpContext, config) types.Action { return types.ActionContinue }),
		wrapper.ProcessRequestBody(func(wrapper.HttpContext, config, []byte) types.Action { return types.ActionContinue }),
		wrapper.ProcessResponseHeaders(func(wrapper.HttpContext, config) types.Action { return types.ActionContinue }),
		wrapper.ProcessResponseBody(func(wrapper.HttpContext, config, []byte) types.Action { return types.ActionContinue }),
		wrapper.ProcessStreamingResponseBody(func(_ wrapper.HttpContext, _ config, chunk []byte, _ bool) []byte { return chunk }),
		wrapper.ProcessStreamDone(func(wrapper.HttpContext, config) {}),
		wrapper.EnableSafeLog[config](),
	}
}

type config struct{}
