// Command ai-proxy is higress-ai's bundled AI proxy Wasm plugin for Higress: it holds the
// organisation's upstream keys, lets each consumer use only its models, speaks OpenAI's protocol
// to OpenAI-compatible providers and Azure OpenAI, and writes every request's token usage to the
// gateway's access log (ai_log), so usage can be priced per consumer and model.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o plugin.wasm .
package main

import (
	"strings"
	"time"
	_ "time/tzdata" // budgets' periods follow IANA zones; the Wasm VM has no zoneinfo files

	"github.com/higress-group/wasm-go/pkg/log"
	"github.com/higress-group/wasm-go/pkg/wrapper"

	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/config"
	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/openai"
)

func main() {}

func init() {
	wrapper.SetCtx("ai-proxy", options()...)
}

// options are the plugin's callbacks; benchmarks build a native VM from them.
func options() []wrapper.CtxOption[PluginConfig] {
	return []wrapper.CtxOption[PluginConfig]{
		wrapper.PrePluginStartOrReload[PluginConfig](func(wrapper.PluginContext) error {
			globalErr = nil
			return nil
		}),
		wrapper.ParseOverrideRawConfig(parseGlobal, parseRule),
		wrapper.ProcessRequestHeaders(onRequestHeaders),
		wrapper.ProcessRequestBody(onRequestBody),
		wrapper.ProcessResponseHeaders(onResponseHeaders),
		wrapper.ProcessResponseBody(onResponseBody),
		wrapper.ProcessStreamingResponseBody(onStreamingResponseBody),
		wrapper.ProcessStreamDone(onStreamDone),
		wrapper.EnableSafeLog[PluginConfig](),
	}
}

// PluginConfig is one scope's parsed config.
type PluginConfig struct {
	cfg *config.Config
}

// globalErr keeps the global config's error: wasm-go starts a plugin whose global config is
// invalid when match rules exist; the first rule then fails the start with it.
var globalErr error

func parseGlobal(data []byte, pc *PluginConfig) error {
	cfg, err := config.Parse(data, nil)
	if err != nil {
		globalErr = err
		return err
	}
	warnUnknown(cfg)
	pc.cfg = cfg
	return nil
}

func parseRule(data []byte, global PluginConfig, pc *PluginConfig) error {
	if globalErr != nil {
		return globalErr
	}
	cfg, err := config.Parse(data, global.cfg)
	if err != nil {
		return err
	}
	warnUnknown(cfg)
	pc.cfg = cfg
	return nil
}

func warnUnknown(cfg *config.Config) {
	if len(cfg.Unknown) > 0 {
		log.Warnf("ai-proxy ignores these config fields: %s", strings.Join(cfg.Unknown, ", "))
	}
	if cfg.Budgets != nil && len(cfg.Budgets.Rules) > 0 {
		log.Warnf("ai-proxy: budgets are checked but not yet enforced by this build: requests are not counted or refused")
	}
}

func nowMs() int64 { return time.Now().UnixMilli() }

// exchange is what the plugin keeps of one request that goes to a model, from its headers to
// its access log: one context value, so each callback reads it once.
type exchange struct {
	provider *config.Provider
	api      string // the OpenAI API path without /v1
	consumer string // X-Mse-Consumer, where key-auth ran
	token    string // the upstream key used
	model    string // the model sent upstream
	startMs  int64
	firstMs  int64 // when the first token passed (streams)
	first    bool
	// acceptEncoding: the request has accept-encoding, removed upstream (answers must come
	// uncompressed for their usage to be read).
	acceptEncoding bool
	streaming      bool // the request asks for a stream
	// passThrough: a pass-through path of a provider without a key, whose body's model is
	// checked and nothing more.
	passThrough bool
	stream      *openai.Stream // set when the answer is an event stream
	logged      bool
}

const exchangeKey = "ai-proxy"

// exchangeOf is the request's exchange, nil when the request goes to no model (another path, or
// one the plugin answered itself).
func exchangeOf(ctx wrapper.HttpContext) *exchange {
	x, _ := ctx.GetContext(exchangeKey).(*exchange)
	return x
}

// forget drops the exchange: the plugin answered the request itself.
func forget(ctx wrapper.HttpContext) { ctx.SetContext(exchangeKey, nil) }
