package requestblock

import "strings"

// BundledProxyRefuses reports whether higress-ai's bundled ai-proxy, running with config cfg (the
// config it applies on the route), refuses a request to path whose body wasm-go does not hand to
// plugins: on its API paths it answers 415 (internal/wasm/ai-proxy, refuseUnreadable), so such a
// body never reaches the model. The bundled plugin is told apart from Higress's own ai-proxy,
// which passes such bodies upstream, by the keyAuth block `plugin install` writes into its config.
func BundledProxyRefuses(cfg map[string]any, path string) bool {
	if _, ok := cfg["keyAuth"].(map[string]any); !ok {
		return false
	}
	path, _, _ = strings.Cut(path, "?")
	switch path {
	case "/v1/chat/completions", "/v1/completions", "/v1/embeddings":
		return true
	}
	return false
}
