// Command ai-proxy is higress-ai's bundled AI proxy Wasm plugin for Higress: it holds the
// organisation's upstream keys, lets each consumer use only its models, speaks OpenAI's protocol
// to OpenAI-compatible providers and Azure OpenAI, and writes every request's token usage to the
// gateway's access log (ai_log), so usage can be priced per consumer and model.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o plugin.wasm .
package main

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
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
}

func nowMs() int64 { return time.Now().UnixMilli() }

// HTTP context keys.
const (
	keyAPI      = "api"      // the OpenAI API path without /v1; set once a request goes to a model
	keyConsumer = "consumer" // X-Mse-Consumer
	keyToken    = "token"
	keyModel    = "model" // the model sent upstream
	keyStart    = "start"
	keyFirst    = "first"
	keyStream   = "stream" // *openai.Stream
	keyDropUse  = "dropUsage"
	keyLogged   = "logged"
)

// clientKeyHeaders carry a client's key in the OpenAI (Authorization), Azure (api-key) and
// Anthropic (x-api-key) SDKs: key-auth reads the gateway key from them, the upstream must not.
var clientKeyHeaders = []string{"authorization", "api-key", "x-api-key"}

var apis = map[string]bool{"/chat/completions": true, "/completions": true, "/embeddings": true}

func onRequestHeaders(ctx wrapper.HttpContext, pc PluginConfig) types.Action {
	cfg := pc.cfg
	path, rawQuery, _ := strings.Cut(ctx.Path(), "?")
	api := strings.TrimPrefix(path, "/v1")
	isModels := path == "/v1/models" && ctx.Method() == "GET"
	isAPI := strings.HasPrefix(path, "/v1/") && apis[api]
	if cfg.Provider == nil {
		if isModels || isAPI || (cfg.PromptParam != "" && hasParam(rawQuery, cfg.PromptParam)) {
			ctx.DontReadRequestBody()
			sendError(503, "no provider is active for this route: its matchRule config sets none with activeProviderId", "server_error", "no_provider")
			return types.HeaderStopAllIterationAndWatermark
		}
		// Not an AI route (Higress's layout applies the global config to every route).
		ctx.DontReadRequestBody()
		ctx.DontReadResponseBody()
		return types.ActionContinue
	}
	// The client's key is for the gateway, never for the upstream, whatever the path.
	for _, h := range clientKeyHeaders {
		_ = proxywasm.RemoveHttpRequestHeader(h)
	}
	consumer, _ := proxywasm.GetHttpRequestHeader("x-mse-consumer")
	ctx.SetContext(keyConsumer, consumer)
	switch {
	case isModels:
		ctx.DontReadRequestBody()
		sendJSON(200, openai.ModelList(cfg.ListModels(consumer), "higress-ai"))
		return types.HeaderStopAllIterationAndWatermark
	case isAPI:
		if ctx.IsBinaryRequestBody() {
			// wasm-go does not hand such bodies to the plugin: the model could not be checked.
			refuseUnreadable()
			return types.HeaderStopAllIterationAndWatermark
		}
		// The body changes; the answer must come uncompressed for its usage to be read.
		_ = proxywasm.RemoveHttpRequestHeader("content-length")
		_ = proxywasm.RemoveHttpRequestHeader("accept-encoding")
		if !ctx.HasRequestBody() {
			sendError(400, "the request has no body: send a JSON request", "invalid_request_error", "missing_body")
			return types.HeaderStopAllIterationAndWatermark
		}
		ctx.SetContext(keyAPI, api)
		return types.HeaderStopIteration
	case cfg.PromptParam != "" && rawQuery != "":
		q, err := url.ParseQuery(rawQuery)
		if err == nil && q.Has(cfg.PromptParam) {
			ctx.DontReadRequestBody()
			return prompt(ctx, cfg, q.Get(cfg.PromptParam))
		}
	}
	ctx.DontReadRequestBody()
	ctx.DontReadResponseBody()
	return types.ActionContinue
}

// refuseUnreadable answers a request whose body wasm-go will not pass to the plugin: a binary
// content type (octet-stream, gRPC) or any content-encoding.
func refuseUnreadable() {
	if enc, _ := proxywasm.GetHttpRequestHeader("content-encoding"); enc != "" {
		sendError(415, "ai-proxy reads request bodies as JSON and cannot read one with content-encoding "+strconv.Quote(enc)+": send it uncompressed",
			"invalid_request_error", "unsupported_content_encoding")
		return
	}
	ct, _ := proxywasm.GetHttpRequestHeader("content-type")
	sendError(415, "ai-proxy reads request bodies as JSON, not content-type "+strconv.Quote(ct)+": send application/json",
		"invalid_request_error", "unsupported_content_type")
}

// hasParam reports whether a raw query has the parameter name.
func hasParam(rawQuery, name string) bool {
	q, err := url.ParseQuery(rawQuery)
	return err == nil && q.Has(name)
}

func onRequestBody(ctx wrapper.HttpContext, pc PluginConfig, body []byte) types.Action {
	api, _ := ctx.GetContext(keyAPI).(string)
	if api == "" {
		return types.ActionContinue
	}
	cfg, p := pc.cfg, pc.cfg.Provider
	req, err := openai.ParseRequest(body, true)
	if err != nil {
		ctx.SetContext(keyAPI, "")
		sendError(400, err.Error(), "invalid_request_error", "invalid_body")
		return types.ActionPause
	}
	consumer := ctx.GetStringContext(keyConsumer, "")
	if !cfg.Allowed(consumer, req.Model) {
		ctx.SetContext(keyAPI, "")
		who := "this caller"
		if consumer != "" {
			who = "consumer " + strconv.Quote(consumer)
		}
		sendError(403, "model "+strconv.Quote(req.Model)+" is not allowed for "+who, "invalid_request_error", "model_not_allowed")
		return types.ActionPause
	}
	model := p.MapModel(req.Model)
	newBody, err := openai.RewriteRequest(body, req, model)
	if err == nil {
		err = proxywasm.ReplaceHttpRequestBody(newBody)
	}
	if err != nil {
		ctx.SetContext(keyAPI, "")
		sendError(500, "ai-proxy could not rewrite the request", "server_error", "rewrite_failed")
		return types.ActionPause
	}
	token := p.PickToken(nowMs())
	upPath, auth := p.Upstream(api, model, token)
	_ = proxywasm.ReplaceHttpRequestHeader(":authority", p.Host)
	_ = proxywasm.ReplaceHttpRequestHeader(":path", upPath)
	if auth[0] != "" {
		_ = proxywasm.ReplaceHttpRequestHeader(auth[0], auth[1])
	}
	_ = proxywasm.ReplaceHttpRequestHeader("x-envoy-upstream-rq-timeout-ms", strconv.FormatUint(uint64(p.TimeoutMs), 10))
	ctx.SetContext(keyToken, token)
	ctx.SetContext(keyModel, model)
	ctx.SetContext(keyDropUse, req.Stream && !req.IncludeUsage)
	ctx.SetContext(keyStart, nowMs())
	return types.ActionContinue
}

func onResponseHeaders(ctx wrapper.HttpContext, pc PluginConfig) types.Action {
	if ctx.GetStringContext(keyAPI, "") == "" {
		ctx.DontReadResponseBody()
		return types.ActionContinue
	}
	status, _ := proxywasm.GetHttpResponseHeader(":status")
	code, _ := strconv.Atoi(status)
	pc.cfg.Provider.ReportToken(ctx.GetStringContext(keyToken, ""), code, nowMs())
	if code >= 400 {
		// Upstream errors reach the client as they are.
		ctx.DontReadResponseBody()
		writeLog(ctx, openai.Usage{}, "normal")
		return types.ActionContinue
	}
	contentType, _ := proxywasm.GetHttpResponseHeader("content-type")
	if strings.Contains(contentType, "text/event-stream") {
		_ = proxywasm.RemoveHttpResponseHeader("content-length")
		ctx.SetContext(keyStream, &openai.Stream{DropUsageOnly: ctx.GetBoolContext(keyDropUse, false)})
		return types.ActionContinue
	}
	ctx.BufferResponseBody()
	return types.ActionContinue
}

func onResponseBody(ctx wrapper.HttpContext, pc PluginConfig, body []byte) types.Action {
	if ctx.GetStringContext(keyAPI, "") != "" {
		writeLog(ctx, openai.UsageFromBody(body), "normal")
	}
	return types.ActionContinue
}

func onStreamingResponseBody(ctx wrapper.HttpContext, pc PluginConfig, chunk []byte, last bool) []byte {
	st, ok := ctx.GetContext(keyStream).(*openai.Stream)
	if !ok {
		return chunk
	}
	out, started := st.Feed(chunk, last)
	if started {
		ctx.SetContext(keyFirst, nowMs())
	}
	if last {
		writeLog(ctx, st.Usage, "stream")
	}
	return out
}

func onStreamDone(ctx wrapper.HttpContext, pc PluginConfig) {
	if ctx.GetStringContext(keyAPI, "") == "" || ctx.GetBoolContext(keyLogged, false) {
		return
	}
	// The stream ended early (the client went away): log what was seen.
	var u openai.Usage
	responseType := "normal"
	if st, ok := ctx.GetContext(keyStream).(*openai.Stream); ok {
		u, responseType = st.Usage, "stream"
	}
	writeLog(ctx, u, responseType)
}

// writeLog adds this request's usage to ai_log in ai-statistics' keys, merged with what other
// plugins wrote there.
func writeLog(ctx wrapper.HttpContext, u openai.Usage, responseType string) {
	if ctx.GetBoolContext(keyLogged, false) {
		return
	}
	ctx.SetContext(keyLogged, true)
	model := u.Model
	if model == "" {
		model = ctx.GetStringContext(keyModel, "")
	}
	now := nowMs()
	start, _ := ctx.GetContext(keyStart).(int64)
	attrs := map[string]any{
		"model":                model,
		"input_token":          u.Input,
		"output_token":         u.Output,
		"total_token":          u.Total(),
		"response_type":        responseType,
		"llm_service_duration": now - start,
	}
	if first, ok := ctx.GetContext(keyFirst).(int64); ok {
		attrs["llm_first_token_duration"] = first - start
	}
	if u.Cached > 0 {
		attrs["cached_tokens"] = u.Cached
	}
	if c := ctx.GetStringContext(keyConsumer, ""); c != "" {
		attrs["consumer"] = c
	}
	for k, v := range attrs {
		ctx.SetUserAttribute(k, v)
	}
	if err := ctx.WriteUserAttributeToLogWithKey("ai_log"); err != nil {
		log.Warnf("ai-proxy could not write ai_log: %v", err)
	}
}

// prompt answers GET /?PARAM=text: the text goes to the default model as a chat completion and
// the model's answer comes back as plain text.
func prompt(ctx wrapper.HttpContext, cfg *config.Config, text string) types.Action {
	p := cfg.Provider
	consumer := ctx.GetStringContext(keyConsumer, "")
	if !cfg.Allowed(consumer, cfg.DefaultModel) {
		sendError(403, "model "+strconv.Quote(cfg.DefaultModel)+" is not allowed for this caller", "invalid_request_error", "model_not_allowed")
		return types.HeaderStopAllIterationAndWatermark
	}
	model := p.MapModel(cfg.DefaultModel)
	token := p.PickToken(nowMs())
	upPath, auth := p.Upstream("/chat/completions", model, token)
	headers := [][2]string{{":method", "POST"}, {":path", upPath}, {":authority", p.Host}, {"content-type", "application/json"}}
	if auth[0] != "" {
		headers = append(headers, auth)
	}
	ctx.SetContext(keyAPI, "/chat/completions")
	ctx.SetContext(keyModel, model)
	ctx.SetContext(keyStart, nowMs())
	_, err := proxywasm.DispatchHttpCall(p.Cluster, headers, openai.PromptRequest(model, text), nil, p.TimeoutMs,
		func(_, bodySize, _ int) {
			respHeaders, _ := proxywasm.GetHttpCallResponseHeaders()
			body, _ := proxywasm.GetHttpCallResponseBody(0, bodySize)
			code := 502
			for _, h := range respHeaders {
				if h[0] == ":status" {
					code, _ = strconv.Atoi(h[1])
				}
			}
			p.ReportToken(token, code, nowMs())
			if code >= 400 || code == 0 {
				writeLog(ctx, openai.Usage{}, "normal")
				if code == 0 {
					code = 502
				}
				_ = proxywasm.SendHttpResponse(uint32(code), [][2]string{{"content-type", "application/json"}}, body, -1)
				return
			}
			writeLog(ctx, openai.UsageFromBody(body), "normal")
			answer, ok := openai.AnswerText(body)
			if !ok {
				sendError(502, "the model's answer has no text", "server_error", "bad_upstream_answer")
				return
			}
			_ = proxywasm.SendHttpResponse(200, [][2]string{{"content-type", "text/plain; charset=utf-8"}}, []byte(answer), -1)
		})
	if err != nil {
		ctx.SetContext(keyAPI, "")
		sendError(503, "ai-proxy could not call the provider (cluster "+p.Cluster+")", "server_error", "dispatch_failed")
	}
	return types.HeaderStopAllIterationAndWatermark
}

func sendJSON(code uint32, body []byte) {
	_ = proxywasm.SendHttpResponse(code, [][2]string{{"content-type", "application/json"}}, body, -1)
}

func sendError(code uint32, message, typ, errCode string) {
	sendJSON(code, openai.ErrorBody(message, typ, errCode))
}
