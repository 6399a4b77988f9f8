package main

import (
	"strconv"
	"strings"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/log"
	"github.com/higress-group/wasm-go/pkg/wrapper"

	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/ailog"
	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/openai"
)

func onResponseHeaders(ctx wrapper.HttpContext, pc PluginConfig) types.Action {
	x := exchangeOf(ctx)
	if x == nil || x.logged {
		ctx.DontReadResponseBody()
		return types.ActionContinue
	}
	// One host call for both headers (each call that returns data costs the plugin a re-entry).
	headers, _ := proxywasm.GetHttpResponseHeaders()
	var code int
	var contentType string
	hasLength := false
	for _, h := range headers {
		switch h[0] {
		case ":status":
			code, _ = strconv.Atoi(h[1])
		case "content-type":
			contentType = h[1]
		case "content-length":
			hasLength = true
		}
	}
	x.provider.ReportToken(x.token, code, nowMs)
	if code >= 400 {
		// Upstream errors reach the client as they are.
		ctx.DontReadResponseBody()
		writeLog(x, openai.Usage{}, "normal")
		return types.ActionContinue
	}
	if strings.Contains(contentType, "text/event-stream") {
		if hasLength {
			_ = proxywasm.RemoveHttpResponseHeader("content-length")
		}
		x.stream = &openai.Stream{}
		return types.ActionContinue
	}
	ctx.BufferResponseBody()
	return types.ActionContinue
}

func onResponseBody(ctx wrapper.HttpContext, pc PluginConfig, body []byte) types.Action {
	if x := exchangeOf(ctx); x != nil {
		writeLog(x, openai.UsageFromBody(body), "normal")
	}
	return types.ActionContinue
}

func onStreamingResponseBody(ctx wrapper.HttpContext, pc PluginConfig, chunk []byte, last bool) []byte {
	x := exchangeOf(ctx)
	if x == nil || x.stream == nil {
		return chunk
	}
	out, started := x.stream.Feed(chunk, last)
	if started {
		x.first, x.firstMs = true, nowMs()
	}
	if last {
		writeLog(x, x.stream.Usage, "stream")
	}
	return out
}

func onStreamDone(ctx wrapper.HttpContext, pc PluginConfig) {
	x := exchangeOf(ctx)
	if x == nil || x.logged {
		return
	}
	// The answer ended early (the client went away, the upstream reset): log what was seen.
	if x.stream != nil {
		writeLog(x, x.stream.Usage, "stream")
		return
	}
	writeLog(x, openai.Usage{}, "normal")
}

var aiLogProperty = []string{"ai_log"}

// writeLog adds this request's usage to ai_log in ai-statistics' keys, once, keeping what other
// plugins wrote there.
func writeLog(x *exchange, u openai.Usage, responseType string) {
	if x.logged {
		return
	}
	x.logged = true
	model := u.Model
	if model == "" {
		model = x.model
	}
	e := ailog.Entry{
		Model:        model,
		Consumer:     x.consumer,
		ResponseType: responseType,
		HasUsage:     u.Found,
		Input:        u.Input,
		Output:       u.Output,
		Cached:       u.Cached,
		Reasoning:    u.Reasoning,
		HasCached:    u.HasCached,
		HasReasoning: u.HasReasoning,
		ServiceMs:    nowMs() - x.startMs,
		FirstToken:   x.first,
		FirstTokenMs: x.firstMs - x.startMs,
	}
	prev, _ := proxywasm.GetProperty(aiLogProperty)
	merged, ok := ailog.Merge(prev, e)
	if !ok {
		log.Warnf("ai-proxy replaced an ai_log it could not read (%d bytes): what other plugins wrote there is lost", len(prev))
	}
	if err := proxywasm.SetProperty(aiLogProperty, merged); err != nil {
		log.Warnf("ai-proxy could not write ai_log: %v", err)
	}
}
