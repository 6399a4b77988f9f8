package doctor

import (
	"fmt"
	"sort"
	"strings"
)

// Code is one kind of finding: its level, a title and what it means.
type Code struct {
	Level       Level
	Title       string
	Explanation string
}

// Codes are every code doctor reports. Codes are stable: a code is never reused for another check.
var Codes = map[string]Code{
	"HAI0101": {Error, "The cluster cannot be reached",
		"The kubeconfig's current context (or --context) points at an API server that does not answer, or the credentials are refused. Nothing else can be checked on the cluster; `--dir` checks a folder offline."},
	"HAI0102": {Error, "The WasmPlugin CRD is not installed",
		"`wasmplugins.extensions.higress.io` is missing: this is not a Higress cluster, or Higress is not installed yet. Every plugin higress-ai manages is a WasmPlugin."},
	"HAI0103": {Warning, "You may not use a verb higress-ai needs",
		"A SelfSubjectAccessReview says the current user may not use this verb on this resource in Higress's namespace. The commands that need it fail with Forbidden; the README's RBAC section has the Role to bind."},
	"HAI0104": {Info, "Cluster in use", "Which API server and context the checks ran against."},

	"HAI0201": {Info, "Plugin installed", "An AI-gateway plugin found in Higress's namespace, with its image, phase and priority."},
	"HAI0202": {Warning, "Plugin image not pinned",
		"The plugin's image is a moving tag (or none) and spec.sha256 is not set: a new push changes what the gateway runs on its next pull. Pin it by digest (`plugin install` does)."},
	"HAI0203": {Error, "spec.pluginConfig is set",
		"Higress applies spec.pluginConfig instead of defaultConfig and matchRules, so the config higress-ai and the console edit has no effect. Move pluginConfig into defaultConfig and remove it."},
	"HAI0204": {Error, "A match rule names no route, domain or service",
		"Higress rejects the whole WasmPlugin when one of its match rules has none of ingress, domain and service: the plugin is not applied at all."},
	"HAI0205": {Warning, "Plugin fails open",
		"failStrategy is FAIL_OPEN (the console's default): if the plugin fails to load or crashes, requests pass without it. For key-auth, request-block and the bundled ai-proxy (allow lists, budgets) that means unauthenticated or unchecked traffic. Set failStrategy: FAIL_CLOSE."},
	"HAI0206": {Warning, "Several instances of one plugin",
		"More than one WasmPlugin runs the same plugin. higress-ai edits the console's `.internal` one or asks for --plugin; both apply to every request, which is rarely intended."},
	"HAI0207": {Info, "The console cannot see this plugin",
		"The Higress console lists only WasmPlugins labelled higress.io/resource-definer: higress; this one is not, so the console neither shows nor edits it."},

	"HAI0211": {Error, "Plugins run in an order that does not work",
		"Envoy runs the AUTHN phase, then AUTHZ, then STATS, then the unspecified phase, and within a phase higher priority first. Plugins that read the consumer (ai-token-ratelimit, ai-quota, ai-statistics, ai-proxy) must run after key-auth, which sets X-Mse-Consumer; request-block must run before ai-proxy forwards the request. Restore the console's phases and priorities."},

	"HAI0301": {Error, "key-auth's consumer list cannot be read",
		"The global config of key-auth does not parse (a consumer without a credential, a credential that is not a string...). Higress's C++ key-auth then lets every request through on routes with rules. Fix the field the message names."},
	"HAI0302": {Warning, "An allow list names a consumer that does not exist",
		"A route or domain rule allows a consumer key-auth does not know: nobody can use that name, and it often means a consumer was removed by hand or renamed. Remove it with `route unbind` or add the consumer."},
	"HAI0303": {Error, "Two consumers share a key",
		"Two consumers hold the same credential. Higress's key-auth refuses such a config (so no one authenticates), and usage could not tell them apart. Rotate one of them."},
	"HAI0304": {Warning, "A match rule names a route no Ingress has",
		"A rule names a route that no Ingress of class higress defines (a typo, a deleted route, or one not created yet): the rule applies to nothing. Remove it (`route delete-rule`) or create the route."},
	"HAI0305": {Warning, "global_auth: true will be reset by the console",
		"The console writes global_auth: false on every consumer save. A key required everywhere through global_auth: true is undone the next time someone edits a consumer in the console; require keys per route (`route bind`) or avoid console consumer edits."},
	"HAI0306": {Warning, "key-auth is close to etcd's object size limit",
		"etcd refuses objects over 1.5 MiB by default; a key-auth WasmPlugin holding about 10,000 consumers reaches it, after which no consumer can be added. Split consumers across plugins or raise --max-request-bytes."},
	"HAI0307": {Info, "A route lets nobody in", "Its rule's allow list is empty: every request gets 403. Bind consumers with `route bind`."},
	"HAI0308": {Warning, "No key-auth plugin",
		"Without key-auth no request carries a consumer: there are no per-consumer keys, allow lists or limits, and usage cannot say who spent what. `consumer add` creates one."},
	"HAI0309": {Info, "A disabled match rule", "configDisable: true: Higress skips the rule and the request falls through to the next matching rule or the global config."},

	"HAI0401": {Warning, "The access log has no ai_log",
		"The gateway's access-log format (ConfigMap higress-config) does not include %FILTER_STATE(wasm.ai_log:PLAIN)%: usage, the dashboard and limit replay find no tokens, models or consumers in the log."},
	"HAI0402": {Warning, "Nothing writes AI usage",
		"Neither ai-statistics nor the bundled ai-proxy is installed, so no request's model and tokens reach the access log or the metrics. `plugin install` installs the bundled ai-proxy, which writes ai_log itself."},
	"HAI0403": {Warning, "Usage is not attributed to consumers",
		"ai-statistics never writes the consumer by itself: without an attribute {key: consumer, value_source: request_header, value: x-mse-consumer, apply_to_log: true} (and without the bundled ai-proxy, which writes it) every request is booked under no consumer."},
	"HAI0404": {Warning, "The consumer attribute goes to a log field the format lacks",
		"With as_separate_log_field: true the consumer becomes a top-level access-log field, which needs %FILTER_STATE(wasm.consumer:PLAIN)% in the log format; the format does not have it, so the consumer is lost. Drop as_separate_log_field (it then lands in ai_log) or add the field."},
	"HAI0405": {Error, "The gateway failed to load a plugin", "The gateway's own log reports a Wasm plugin that failed to load or configure: it does not run (or runs its previous config)."},

	"HAI0601": {Info, "The traced route", "The route the traced request goes to: its Ingress and hosts."},
	"HAI0602": {Error, "The traced route does not exist", "No Ingress of class higress and no match rule names the route: Higress answers 404."},
	"HAI0603": {Error, "The traced consumer is not recognised", "key-auth is not installed, cannot be read, or has no consumer of that name: its key is refused (401)."},
	"HAI0604": {Info, "A step of the traced request", "What one plugin does to the traced request: the key it presents, the rule that admits it, blocked words, its limit, its provider and models, its usage."},
	"HAI0605": {Warning, "key-auth does not run on the traced route",
		"No rule asks for a key there and global auth is off: anyone may call the route without a key, and the request carries no consumer, so no per-consumer model list, limit or attribution applies."},
	"HAI0606": {Error, "key-auth refuses the traced consumer", "The rule in force on the route allows other consumers only: the consumer's request gets 403. `route bind` adds it."},
	"HAI0607": {Error, "Nothing sends the traced request to a model", "The bundled ai-proxy does not serve the route (no `route bind --provider`), and no ai-proxy does: the request reaches no provider through higress-ai."},
	"HAI0608": {Error, "The traced consumer may call no model", "Its model list is empty: the bundled ai-proxy refuses every request (403 model_not_allowed). `consumer models` sets it."},
	"HAI0609": {Warning, "Models without a price", "The consumer may call models the price table does not know: their cost is reported as unpriced, never $0. `--prices FILE` adds them."},

	"HAI0701": {Error, "A provider has no upstream key",
		"A provider of the bundled ai-proxy that needs a key (every type but vllm, ollama and generic) has none: the provider answers 401 to every request. `provider rotate-key ID --api-key-stdin` adds one."},
	"HAI0702": {Warning, "The bundled ai-proxy's record of key-auth is out of step",
		"The bundled ai-proxy trusts X-Mse-Consumer only where its keyAuth block says key-auth runs, and removes the key headers it names. The block differs from what key-auth now does (a rule added or removed elsewhere, the console say): consumers may be refused their model lists, or untrusted names believed. `plugin install` rewrites it from key-auth."},

	"HAI0501": {Error, "ai-token-ratelimit's config does not load",
		"The ai-token-ratelimit config (global or a rule's) fails the plugin's own checks (missing redis.service_name, both global_threshold and rule_items, a limit key with several windows...): the plugin refuses it and no limit applies."},
	"HAI0502": {Warning, "A token limit never applies",
		"An earlier rule item or limit key always matches first (first match wins), so this limit is never used. Move it before the catch-all."},
}

// CodeIDs lists the codes in order.
func CodeIDs() []string {
	ids := make([]string, 0, len(Codes))
	for id := range Codes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Markdown is docs/doctor.md: every code with its level and explanation.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# higress-ai doctor: what each code means\n\n")
	b.WriteString("Generated from internal/doctor/codes.go (`go test ./internal/doctor -update`); do not edit by hand.\n")
	b.WriteString("Codes are stable. `doctor --suppress CODE` or `--suppress CODE=OBJECT` (a trailing `*` matches the rest) hides one.\n")
	for _, id := range CodeIDs() {
		c := Codes[id]
		fmt.Fprintf(&b, "\n## %s: %s\n\nLevel: %s.\n\n%s\n", id, c.Title, c.Level, c.Explanation)
	}
	return b.String()
}
