package config

import (
	"encoding/json"
	"sort"
	"strings"
)

// Higress's ai-proxy provider fields (plugins/wasm-go/extensions/ai-proxy/provider/provider.go)
// that this plugin does not implement. A config carried over from Higress with one of them set
// would behave otherwise here, so it fails to load, naming the field; set to its zero value
// (false, "", 0, [], {}, or a failover/retryOnFailure with enabled false) it changes nothing in
// Higress either and is accepted.
var unsupportedHigressFields = map[string]string{
	"failover":                         "failover between keys by health checks; this plugin rests a key the provider refused instead",
	"retryOnFailure":                   "retries of failed requests",
	"reasoningContentMode":             "rewriting of reasoning_content",
	"moonshotFileId":                   "a Moonshot file added to every request",
	"qwenFileIds":                      "DashScope files added to every request",
	"qwenEnableSearch":                 "DashScope's web search",
	"context":                          "a context file fetched and added to every request",
	"customSettings":                   "request parameters it overwrites",
	"capabilities":                     "API paths mapped to other upstream paths",
	"basePath":                         "a path prefix removed or added",
	"basePathHandling":                 "a path prefix removed or added",
	"providerBasePath":                 "a path prefix for the provider: use openaiCustomUrl",
	"providerDomain":                   "the provider's host: use openaiCustomUrl",
	"genericHost":                      "the provider's host: use openaiCustomUrl",
	"responseJsonSchema":               "a response format forced on every request",
	"mergeConsecutiveMessages":         "merging of consecutive messages",
	"promoteThinkingOnEmpty":           "rewriting of empty answers",
	"contextCleanupCommands":           "context clean-up commands",
	"hiclawMode":                       "HiClaw's mode",
	"claudeCodeMode":                   "Claude Code's mode",
	"apiVersion":                       "a native protocol's version",
	"claudeVersion":                    "Claude's native protocol",
	"hunyuanAuthId":                    "Hunyuan's native protocol",
	"hunyuanAuthKey":                   "Hunyuan's native protocol",
	"awsAccessKey":                     "Bedrock's native protocol",
	"awsSecretKey":                     "Bedrock's native protocol",
	"awsRegion":                        "Bedrock's native protocol",
	"bedrockAdditionalFields":          "Bedrock's native protocol",
	"bedrockPromptCachePointPositions": "Bedrock's native protocol",
	"promptCacheRetention":             "Bedrock's native protocol",
	"minimaxApiType":                   "MiniMax's native protocol",
	"minimaxGroupId":                   "MiniMax's native protocol",
	"cloudflareAccountId":              "Cloudflare's native protocol",
	"geminiSafetySetting":              "Gemini's native protocol",
	"geminiThinkingBudget":             "Gemini's native protocol",
	"vertexRegion":                     "Vertex's native protocol",
	"vertexProjectId":                  "Vertex's native protocol",
	"vertexAuthKey":                    "Vertex's native protocol",
	"vertexAuthServiceName":            "Vertex's native protocol",
	"vertexTokenRefreshAhead":          "Vertex's native protocol",
	"vertexOpenAICompatible":           "Vertex's native protocol",
	"targetLang":                       "DeepL's native protocol",
	"difyApiUrl":                       "Dify's native protocol",
	"botType":                          "Dify's native protocol",
	"inputVariable":                    "Dify's native protocol",
	"outputVariable":                   "Dify's native protocol",
	"tritonModelVersion":               "Triton's native protocol",
	"tritonDomain":                     "Triton's native protocol",
	"doubaoDomain":                     "Doubao's native protocol",
	"zhipuDomain":                      "Zhipu's native protocol",
	"zhipuCodePlanMode":                "Zhipu's native protocol",
}

// checkHigressFields refuses the Higress ai-proxy settings that would change behaviour here and
// are not implemented (see unsupportedHigressFields), and the values of implemented ones this
// plugin cannot honour.
func checkHigressFields(fields map[string]json.RawMessage, field string) error {
	var names []string
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		raw := fields[name]
		what, unsupported := unsupportedHigressFields[name]
		switch {
		case unsupported && !inert(name, raw):
			return fieldErr(field+"."+name, "Higress ai-proxy's %s (%s) is not supported by higress-ai's ai-proxy: remove it", name, what)
		case name == "protocol" && !isOneOf(raw, "", "openai"):
			return fieldErr(field+".protocol", "only openai is supported: higress-ai's ai-proxy speaks OpenAI's protocol to every provider (Higress's \"original\" passes the provider's own)")
		case name == "qwenEnableCompatible" && string(raw) == "false":
			return fieldErr(field+".qwenEnableCompatible", "false (DashScope's native API) is not supported: higress-ai's ai-proxy calls DashScope's OpenAI-compatible mode; remove it or set it true")
		}
	}
	return nil
}

// inert reports whether a value changes nothing in Higress's ai-proxy: null, false, "", 0, an
// empty list or object, or (failover, retryOnFailure) an object whose enabled is not true.
func inert(name string, raw json.RawMessage) bool {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	case float64:
		return x == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		if name == "failover" || name == "retryOnFailure" {
			return x["enabled"] != true
		}
		return len(x) == 0
	}
	return false
}

func isOneOf(raw json.RawMessage, values ...string) bool {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return false
	}
	for _, v := range values {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}
