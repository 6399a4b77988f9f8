package main

import (
	"strconv"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/wrapper"

	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/config"
	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/openai"
)

// prompt answers GET /?PARAM=text: the text goes to the default model as a chat completion,
// through the provider's Higress service (serviceName), and the model's answer comes back as
// plain text.
func prompt(ctx wrapper.HttpContext, cfg *config.Config, consumer, text string) types.Action {
	p := cfg.Provider
	x := &exchange{provider: p, api: "/chat/completions", consumer: consumer}
	if !cfg.Allowed(x.consumer, cfg.DefaultModel) {
		refuseModel(cfg.DefaultModel, x.consumer)
		return types.HeaderStopAllIterationAndWatermark
	}
	x.model = p.MapModel(cfg.DefaultModel)
	x.startMs = nowMs()
	x.token = p.PickToken(x.startMs)
	upPath, auth := p.Upstream(x.api, x.model, x.token)
	headers := [][2]string{{":method", "POST"}, {":path", upPath}, {":authority", p.Host}, {"content-type", "application/json"}}
	if auth[0] != "" {
		headers = append(headers, auth)
	}
	ctx.SetContext(exchangeKey, x)
	_, err := proxywasm.DispatchHttpCall(p.Cluster, headers, openai.PromptRequest(x.model, text), nil, p.TimeoutMs,
		func(_, bodySize, _ int) {
			respHeaders, _ := proxywasm.GetHttpCallResponseHeaders()
			body, _ := proxywasm.GetHttpCallResponseBody(0, bodySize)
			code := 0
			for _, h := range respHeaders {
				if h[0] == ":status" {
					code, _ = strconv.Atoi(h[1])
				}
			}
			x.provider.ReportToken(x.token, code, nowMs)
			switch {
			case code == 0:
				// No answer (timeout, no connection).
				writeLog(x, openai.Usage{}, "normal")
				sendError(502, "the provider did not answer", "server_error", "no_upstream_answer")
			case code >= 400:
				writeLog(x, openai.Usage{}, "normal")
				_ = proxywasm.SendHttpResponse(uint32(code), [][2]string{{"content-type", "application/json"}}, body, -1)
			default:
				writeLog(x, openai.UsageFromBody(body), "normal")
				if answer, ok := openai.AnswerText(body); ok {
					_ = proxywasm.SendHttpResponse(200, [][2]string{{"content-type", "text/plain; charset=utf-8"}}, []byte(answer), -1)
				} else {
					sendError(502, "the model's answer has no text", "server_error", "bad_upstream_answer")
				}
			}
		})
	if err != nil {
		forget(ctx)
		sendError(503, "ai-proxy could not call the provider through cluster "+strconv.Quote(p.Cluster)+": is serviceName a Higress service?",
			"server_error", "dispatch_failed")
	}
	return types.HeaderStopAllIterationAndWatermark
}
