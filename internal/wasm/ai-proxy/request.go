package main

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/wrapper"

	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/openai"
)

// clientKeyHeaders carry a client's key in the OpenAI (Authorization), Azure (api-key) and
// Anthropic (x-api-key) SDKs: key-auth reads the gateway key from them, the upstream must not.
var clientKeyHeaders = []string{"authorization", "api-key", "x-api-key"}

// isAPIPath reports whether api (a path without /v1) is one whose requests the plugin reads,
// checks and sends to the provider with its key.
func isAPIPath(api string) bool {
	switch api {
	case "/chat/completions", "/completions", "/embeddings":
		return true
	}
	return false
}

func onRequestHeaders(ctx wrapper.HttpContext, pc PluginConfig) types.Action {
	cfg := pc.cfg
	path, rawQuery, _ := strings.Cut(ctx.Path(), "?")
	api := strings.TrimPrefix(path, "/v1")
	isModels := path == "/v1/models" && ctx.Method() == "GET"
	isAPI := strings.HasPrefix(path, "/v1/") && isAPIPath(api)
	isPrompt := cfg.PromptParam != "" && rawQuery != "" && hasParam(rawQuery, cfg.PromptParam)
	if cfg.Provider == nil {
		ctx.DontReadRequestBody()
		if isModels || isAPI || isPrompt {
			sendError(503, "no provider is active for this route: its matchRule config sets none with activeProviderId", "server_error", "no_provider")
			return types.HeaderStopAllIterationAndWatermark
		}
		// Not an AI route (Higress's layout applies the global config to every route).
		ctx.DontReadResponseBody()
		return types.ActionContinue
	}
	if isAPI {
		if ctx.IsBinaryRequestBody() || !ctx.HasRequestBody() {
			// Answered here: nothing goes upstream, the client's key least of all.
			removeClientKey()
		}
		if ctx.IsBinaryRequestBody() {
			// wasm-go does not hand such bodies to the plugin: the model could not be checked.
			ctx.DontReadRequestBody()
			refuseUnreadable()
			return types.HeaderStopAllIterationAndWatermark
		}
		if !ctx.HasRequestBody() {
			sendError(400, "the request has no body: send a JSON request", "invalid_request_error", "missing_body")
			return types.HeaderStopAllIterationAndWatermark
		}
		// The headers wait for the body (HeaderStopIteration), which decides them: they are
		// rewritten there (toUpstream), the client's key dropped with them.
		ctx.SetContext(exchangeKey, &exchange{provider: cfg.Provider, api: api})
		return types.HeaderStopIteration
	}
	// The client's key is for the gateway, never for the upstream, whatever the path.
	removeClientKey()
	switch {
	case isModels:
		ctx.DontReadRequestBody()
		sendJSON(200, openai.ModelList(cfg.ListModels(consumer()), "higress-ai"))
		return types.HeaderStopAllIterationAndWatermark
	case isPrompt:
		ctx.DontReadRequestBody()
		q, _ := url.ParseQuery(rawQuery)
		return prompt(ctx, cfg, q.Get(cfg.PromptParam))
	}
	ctx.DontReadRequestBody()
	ctx.DontReadResponseBody()
	return types.ActionContinue
}

func removeClientKey() {
	for _, h := range clientKeyHeaders {
		_ = proxywasm.RemoveHttpRequestHeader(h)
	}
}

// consumer is the caller's consumer name as key-auth set it, "" for none.
func consumer() string {
	c, _ := proxywasm.GetHttpRequestHeader("x-mse-consumer")
	return c
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
	x.consumer = consumer()
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
	x.dropUsage = askUsage
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

// toUpstream points the request at the provider: its host, path, key and timeout; without the
// client's key, and without accept-encoding (the answer must come uncompressed for its usage to
// be read). One host call per header: each costs a few microseconds in the gateway, and getting
// and setting the whole map costs more (every header copied into the plugin and out again).
func toUpstream(x *exchange) {
	p := x.provider
	path, auth := p.Upstream(x.api, x.model, x.token)
	_ = proxywasm.ReplaceHttpRequestHeader(":authority", p.Host)
	_ = proxywasm.ReplaceHttpRequestHeader(":path", path)
	_ = proxywasm.ReplaceHttpRequestHeader("x-envoy-upstream-rq-timeout-ms", p.TimeoutHeader)
	if auth[0] != "" {
		// The upstream key replaces the client's where they share a header.
		_ = proxywasm.ReplaceHttpRequestHeader(auth[0], auth[1])
	}
	for _, h := range clientKeyHeaders {
		if h != auth[0] {
			_ = proxywasm.RemoveHttpRequestHeader(h)
		}
	}
	_ = proxywasm.RemoveHttpRequestHeader("accept-encoding")
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

func sendError(code uint32, message, typ, errCode string) {
	sendJSON(code, openai.ErrorBody(message, typ, errCode))
}
