package main

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/wrapper"

	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/apipath"
	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/config"
	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/openai"
)

// gatewayKeyHeaders carry a client's key in the OpenAI (Authorization), Azure (api-key) and
// Anthropic (x-api-key) SDKs, and through proxies (Proxy-Authorization): key-auth reads the
// gateway key from them (and from keyAuth.keys), the upstream must never see it.
var gatewayKeyHeaders = []string{"authorization", "proxy-authorization", "api-key", "x-api-key"}

// apiOf is the OpenAI API (a path without /v1) of a normalized path whose requests the plugin
// reads, checks and sends to the provider with its key; "" for any other path.
func apiOf(path string) string {
	switch path {
	case "/v1/chat/completions", "/v1/completions", "/v1/embeddings":
		return path[len("/v1"):]
	}
	return ""
}

// requestHeaders is what the plugin reads of a request's headers, in one host call.
type requestHeaders struct {
	consumer  string
	consumers int      // how many X-Mse-Consumer values came
	keys      []string // the gateway key headers present, to remove
	encoding  bool     // accept-encoding is present
}

func readRequestHeaders(cfg *config.Config) requestHeaders {
	var h requestHeaders
	all, _ := proxywasm.GetHttpRequestHeaders()
	for _, kv := range all {
		name := lowerASCII(kv[0])
		switch {
		case name == "x-mse-consumer":
			h.consumer = kv[1]
			h.consumers++
		case name == "accept-encoding":
			h.encoding = true
		case isGatewayKeyHeader(cfg, name) && !slices.Contains(h.keys, name):
			h.keys = append(h.keys, name)
		}
	}
	return h
}

func isGatewayKeyHeader(cfg *config.Config, name string) bool {
	if slices.Contains(gatewayKeyHeaders, name) {
		return true
	}
	return cfg.KeyAuth != nil && slices.Contains(cfg.KeyAuth.Keys, name)
}

// lowerASCII lower-cases a header name (Envoy hands them lower-cased: no copy then).
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

func onRequestHeaders(ctx wrapper.HttpContext, pc PluginConfig) types.Action {
	cfg := pc.cfg
	rawPath, rawQuery, _ := strings.Cut(ctx.Path(), "?")
	path := apipath.Normalize(rawPath)
	api := apiOf(path)
	isModels := path == "/v1/models" && ctx.Method() == "GET"
	isPrompt := cfg.PromptParam != "" && rawQuery != "" && hasParam(rawQuery, cfg.PromptParam)
	if cfg.Provider == nil {
		ctx.DontReadRequestBody()
		if isModels || api != "" || isPrompt {
			sendError(503, "no provider is active for this route: its matchRule config sets none with activeProviderId", "server_error", "no_provider")
			return types.HeaderStopAllIterationAndWatermark
		}
		// Not an AI route (Higress's layout applies the global config to every route).
		ctx.DontReadResponseBody()
		return types.ActionContinue
	}
	p := cfg.Provider
	h := readRequestHeaders(cfg)
	if h.consumers > 1 {
		// key-auth adds its value beside one the client sent: which one is whose is unknown.
		ctx.DontReadRequestBody()
		sendError(400, "the request carries more than one X-Mse-Consumer header", "invalid_request_error", "ambiguous_consumer")
		return types.HeaderStopAllIterationAndWatermark
	}
	// The client's key is for the gateway, never for the upstream, whatever the path. On an API
	// path whose body will be read the provider's key replaces the one in its own header
	// (toUpstream), which is one host call less.
	replaced := ""
	if api != "" && ctx.HasRequestBody() && !ctx.IsBinaryRequestBody() {
		replaced = p.KeyHeader()
	}
	for _, name := range h.keys {
		if name != replaced {
			_ = proxywasm.RemoveHttpRequestHeader(name)
		}
	}
	consumer := ""
	if h.consumer != "" && cfg.KeyAuth.Runs(ctx.Host(), routeName) {
		consumer = h.consumer
	}
	checkBody := api != "" || (p.Keyless() && !isModels && !isPrompt)
	if checkBody {
		if p.Keyless() && api == "" && !p.PassesThrough(path) {
			ctx.DontReadRequestBody()
			sendError(403, "path "+strconv.Quote(rawPath)+" is not an API path of this provider: list it in the provider's passThroughPaths to let it through",
				"invalid_request_error", "path_not_allowed")
			return types.HeaderStopAllIterationAndWatermark
		}
		if ctx.IsBinaryRequestBody() {
			// wasm-go does not hand such bodies to the plugin: the model could not be checked.
			ctx.DontReadRequestBody()
			refuseUnreadable()
			return types.HeaderStopAllIterationAndWatermark
		}
		x := &exchange{provider: p, api: api, consumer: consumer, acceptEncoding: h.encoding}
		if api == "" {
			// A pass-through path of a provider without a key: its body's model is checked, the
			// request and its answer left as they are.
			stripQueryKeys(cfg, ctx.Path())
			ctx.DontReadResponseBody()
			if !ctx.HasRequestBody() {
				return types.ActionContinue
			}
			x.passThrough = true
			ctx.SetContext(exchangeKey, x)
			return types.HeaderStopIteration
		}
		if !ctx.HasRequestBody() {
			sendError(400, "the request has no body: send a JSON request", "invalid_request_error", "missing_body")
			return types.HeaderStopAllIterationAndWatermark
		}
		// The headers wait for the body (HeaderStopIteration), which decides them: they are
		// rewritten there (toUpstream).
		ctx.SetContext(exchangeKey, x)
		return types.HeaderStopIteration
	}
	switch {
	case isModels:
		ctx.DontReadRequestBody()
		sendJSON(200, openai.ModelList(cfg.ListModels(consumer), "higress-ai"))
		return types.HeaderStopAllIterationAndWatermark
	case isPrompt:
		ctx.DontReadRequestBody()
		q, _ := url.ParseQuery(rawQuery)
		return prompt(ctx, cfg, consumer, q.Get(cfg.PromptParam))
	}
	stripQueryKeys(cfg, ctx.Path())
	ctx.DontReadRequestBody()
	ctx.DontReadResponseBody()
	return types.ActionContinue
}

// routeName is the request's route (Envoy's route_name property).
func routeName() string {
	name, _ := proxywasm.GetProperty([]string{"route_name"})
	return string(name)
}

// stripQueryKeys removes the query parameters that carry consumer keys (keyAuth.queryKeys)
// from the request's path, when there are any.
func stripQueryKeys(cfg *config.Config, fullPath string) {
	if cfg.KeyAuth == nil || len(cfg.KeyAuth.QueryKeys) == 0 {
		return
	}
	if stripped, changed := withoutParams(fullPath, cfg.KeyAuth.QueryKeys); changed {
		_ = proxywasm.ReplaceHttpRequestHeader(":path", stripped)
	}
}

// withoutParams is a path with the query parameters named in names removed (a name compared
// after percent-decoding, as key-auth reads it); every other byte stays.
func withoutParams(fullPath string, names []string) (string, bool) {
	path, query, ok := strings.Cut(fullPath, "?")
	if !ok {
		return fullPath, false
	}
	var kept []string
	changed := false
	for _, part := range strings.Split(query, "&") {
		name, _, _ := strings.Cut(part, "=")
		if decoded, err := url.QueryUnescape(name); err == nil {
			name = decoded
		}
		if slices.Contains(names, name) {
			changed = true
			continue
		}
		kept = append(kept, part)
	}
	if !changed {
		return fullPath, false
	}
	if len(kept) == 0 {
		return path, true
	}
	return path + "?" + strings.Join(kept, "&"), true
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
	x := exchangeOf(ctx)
	if x == nil {
		return types.ActionContinue
	}
	cfg, p := pc.cfg, x.provider
	if x.passThrough {
		forget(ctx)
		return checkPassThrough(cfg, x, body)
	}
	req, err := openai.ParseRequest(body, true)
	if err != nil {
		forget(ctx)
		sendError(400, err.Error(), "invalid_request_error", "invalid_body")
		return types.ActionPause
	}
	if !cfg.Allowed(x.consumer, req.Model) {
		forget(ctx)
		refuseModel(req.Model, x.consumer)
		return types.ActionPause
	}
	x.model = p.MapModel(req.Model)
	// Only chat and completions streams take stream_options.
	askUsage := req.Stream && !req.IncludeUsage && x.api != "/embeddings"
	x.streaming = req.Stream
	newBody, err := openai.RewriteRequest(body, req, x.model, askUsage)
	if err == nil && &newBody[0] != &body[0] {
		err = proxywasm.ReplaceHttpRequestBody(newBody)
		// Envoy sets the new length; the old one would cut or stall the body.
		_ = proxywasm.RemoveHttpRequestHeader("content-length")
	}
	if err != nil {
		forget(ctx)
		sendError(500, "ai-proxy could not rewrite the request", "server_error", "rewrite_failed")
		return types.ActionPause
	}
	x.startMs = nowMs()
	x.token = p.PickToken(x.startMs)
	toUpstream(x)
	return types.ActionContinue
}

// checkPassThrough checks the model of a pass-through request's body, when it is a JSON
// object: a model server without a key serves any model on any of its paths.
func checkPassThrough(cfg *config.Config, x *exchange, body []byte) types.Action {
	req, err := openai.ParseRequest(body, false)
	switch {
	case err == openai.ErrNotJSON:
		return types.ActionContinue
	case err != nil:
		sendError(400, err.Error(), "invalid_request_error", "invalid_body")
		return types.ActionPause
	case req.Model != "" && !cfg.Allowed(x.consumer, req.Model):
		refuseModel(req.Model, x.consumer)
		return types.ActionPause
	}
	return types.ActionContinue
}

// toUpstream points the request at the provider: its host, path, key and timeout; without the
// client's key, and without accept-encoding (the answer must come uncompressed for its usage to
// be read). One host call per header: each costs a few microseconds in the gateway, and setting
// the whole map costs more (every header copied out of the plugin again). The gateway key
// headers were removed with the request's headers.
func toUpstream(x *exchange) {
	p := x.provider
	path, auth := p.Upstream(x.api, x.model, x.token)
	_ = proxywasm.ReplaceHttpRequestHeader(":authority", p.Host)
	_ = proxywasm.ReplaceHttpRequestHeader(":path", path)
	_ = proxywasm.ReplaceHttpRequestHeader("x-envoy-upstream-rq-timeout-ms", p.TimeoutHeader)
	if x.streaming && p.FirstByteTimeoutHeader != "" {
		_ = proxywasm.ReplaceHttpRequestHeader("x-envoy-upstream-rq-first-byte-timeout-ms", p.FirstByteTimeoutHeader)
	}
	if auth[0] != "" {
		// The upstream key replaces the client's where they share a header.
		_ = proxywasm.ReplaceHttpRequestHeader(auth[0], auth[1])
	}
	if x.acceptEncoding {
		_ = proxywasm.RemoveHttpRequestHeader("accept-encoding")
	}
}

func refuseModel(model, consumer string) {
	who := "this caller"
	if consumer != "" {
		who = "consumer " + strconv.Quote(consumer)
	}
	sendError(403, "model "+strconv.Quote(model)+" is not allowed for "+who, "invalid_request_error", "model_not_allowed")
}

func sendJSON(code uint32, body []byte) {
	_ = proxywasm.SendHttpResponse(code, [][2]string{{"content-type", "application/json"}}, body, -1)
}

// sendError answers in OpenAI's error shape, naming the plugin and the code in the response's
// details (the access log's response_code_details: "ai-proxy.model_not_allowed"), so a refusal
// here is told apart from key-auth's or request-block's.
func sendError(code uint32, message, typ, errCode string) {
	_ = proxywasm.SendHttpResponseWithDetail(code, "ai-proxy."+errCode, [][2]string{{"content-type", "application/json"}}, openai.ErrorBody(message, typ, errCode), -1)
}
