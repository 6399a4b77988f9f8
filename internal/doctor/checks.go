package doctor

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/ratelimit"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// aiKinds are the plugins of an AI gateway that doctor reports on.
var aiKinds = []string{"key-auth", "request-block", "ai-proxy", "ai-statistics", "ai-token-ratelimit", "ai-quota"}

// failClosed are the plugins whose absence lets traffic through unchecked.
var failClosed = []string{"key-auth", "request-block", "ai-proxy"}

func checkCluster(g Gateway) []Finding {
	c := g.Cluster
	if c == nil {
		return nil
	}
	out := []Finding{finding("HAI0104", "cluster/"+c.Context, "", "context %q, API server %s", c.Context, c.Server)}
	if !c.CRD {
		out = append(out, finding("HAI0102", "crd/wasmplugins.extensions.higress.io", "install Higress (helm install higress higress.io/higress -n higress-system --create-namespace)",
			"the WasmPlugin CRD is not installed: this cluster does not run Higress"))
	}
	for _, d := range c.Denied {
		out = append(out, finding("HAI0103", "rbac/"+strings.ReplaceAll(d, " ", "/"), "bind the Role in the README's RBAC section to your user",
			"you may not %s in namespace %q", d, g.Namespace))
	}
	return out
}

func checkPlugins(g Gateway) []Finding {
	var out []Finding
	for _, kind := range aiKinds {
		ps := byKind(g, kind)
		if len(ps) > 1 {
			names := make([]string, len(ps))
			for i, p := range ps {
				names[i] = p.Name()
			}
			out = append(out, finding("HAI0206", "plugin/"+kind, "remove the extra ones, or pass --plugin NAME to every command", "%d WasmPlugins run %s: %s", len(ps), kind, strings.Join(names, ", ")))
		}
		for _, p := range ps {
			obj := pluginObject(p)
			out = append(out, finding("HAI0201", obj, "", "%s %s (%s, priority %d, %s)", kind, p.URL(), phaseOf(p), p.Priority(), failStrategy(p)))
			if !pinned(p) {
				out = append(out, finding("HAI0202", obj, "pin it: url oci://REPO@sha256:DIGEST (higress-ai plugin install does)", "image %q is not pinned by digest", p.URL()))
			}
			if p.HasPluginConfig() {
				out = append(out, finding("HAI0203", obj, "move spec.pluginConfig into spec.defaultConfig and remove it", "spec.pluginConfig is set: Higress ignores defaultConfig and matchRules"))
			}
			if err := p.Validate(); err != nil {
				out = append(out, finding("HAI0204", obj, "give the rule an ingress, domain or service, or remove it", "%v", err))
			}
			if slices.Contains(failClosed, kind) && failStrategy(p) != "FAIL_CLOSE" {
				out = append(out, finding("HAI0205", obj, "set spec.failStrategy: FAIL_CLOSE",
					"%s fails open: if it does not load, requests pass unchecked", kind))
			}
			if labels := p.Obj.GetLabels(); labels[wasmplugin.LabelDefiner] != "higress" {
				out = append(out, finding("HAI0207", obj, "label it higress.io/resource-definer=higress for the console to list it", "the Higress console does not list it"))
			}
		}
	}
	return out
}

// pinned reports an image fixed by digest: in the url, or by spec.sha256.
func pinned(p wasmplugin.Plugin) bool {
	if strings.Contains(p.URL(), "@sha256:") {
		return true
	}
	if s, _ := p.Obj.Object["spec"].(map[string]any)["sha256"].(string); s != "" {
		return true
	}
	// Higress's built-in images are immutable release tags, as the console installs them.
	tag := p.URL()[strings.LastIndex(p.URL(), "/")+1:]
	_, version, ok := strings.Cut(tag, ":")
	return strings.HasPrefix(p.URL(), wasmplugin.BuiltinRegistry) && ok && version != "latest"
}

func failStrategy(p wasmplugin.Plugin) string {
	s, _ := p.Obj.Object["spec"].(map[string]any)["failStrategy"].(string)
	if s == "" {
		return "FAIL_CLOSE" // Istio's default when unset
	}
	return s
}

func phaseOf(p wasmplugin.Plugin) string {
	if p.Phase() == "" {
		return "UNSPECIFIED_PHASE"
	}
	return p.Phase()
}

// order is where a plugin runs on the request path: phases in Envoy's order, then priority
// (higher first).
func order(p wasmplugin.Plugin) (int, int64) {
	rank := map[string]int{"AUTHN": 0, "AUTHZ": 1, "STATS": 2}
	r, ok := rank[p.Phase()]
	if !ok {
		r = 3
	}
	return r, -p.Priority()
}

func before(a, b wasmplugin.Plugin) bool {
	ar, ap := order(a)
	br, bp := order(b)
	return ar < br || (ar == br && ap < bp)
}

func checkChain(g Gateway) []Finding {
	var out []Finding
	auths := byKind(g, "key-auth")
	for _, kind := range []string{"ai-token-ratelimit", "ai-quota", "ai-statistics", "ai-proxy"} {
		for _, p := range byKind(g, kind) {
			for _, a := range auths {
				if !before(a, p) {
					out = append(out, finding("HAI0211", pluginObject(p), "restore the console's phases: key-auth AUTHN/310, ai-token-ratelimit 600, ai-quota 750, ai-statistics 900, ai-proxy 100 (unspecified phase)",
						"%s (%s, %d) runs before key-auth %q (%s, %d), so it never sees the consumer", kind, phaseOf(p), p.Priority(), a.Name(), phaseOf(a), a.Priority()))
				}
			}
		}
	}
	for _, rb := range byKind(g, "request-block") {
		for _, p := range byKind(g, "ai-proxy") {
			if !before(rb, p) {
				out = append(out, finding("HAI0211", pluginObject(rb), "restore request-block's phase AUTHZ and priority 320",
					"request-block (%s, %d) runs after ai-proxy %q, which has already sent the request on", phaseOf(rb), rb.Priority(), p.Name()))
			}
		}
	}
	return out
}

// etcdLimit is etcd's default request size limit.
const etcdLimit = 1536 * 1024

func checkKeyAuth(g Gateway) []Finding {
	auths := byKind(g, "key-auth")
	if len(auths) == 0 {
		return []Finding{finding("HAI0308", "plugin/key-auth", "higress-ai consumer add NAME", "no key-auth plugin: requests carry no consumer")}
	}
	var out []Finding
	routes := map[string]bool{}
	for _, r := range g.Routes {
		routes[r.Name] = true
	}
	for _, p := range auths {
		obj := pluginObject(p)
		rules, err := p.Rules()
		if err != nil {
			continue // reported by HAI0204's Validate
		}
		cfg, perr := keyauth.Parse(p.DefaultConfig())
		if perr != nil {
			out = append(out, finding("HAI0301", obj, "fix spec.defaultConfig."+strings.SplitN(perr.Error(), ":", 2)[0], "spec.defaultConfig.%v: key-auth lets every request through on routes with rules", perr))
		}
		if size := objectSize(p); size > etcdLimit*8/10 {
			out = append(out, finding("HAI0306", obj, "split the consumers across key-auth plugins", "%d KiB, %d%% of etcd's default 1.5 MiB object limit", size/1024, size*100/etcdLimit))
		}
		known := map[string]bool{}
		if cfg != nil {
			out = append(out, duplicateKeys(cfg, obj)...)
			for _, c := range cfg.Consumers() {
				known[c.Name()] = true
			}
			if ga := cfg.GlobalAuth(); ga != nil && *ga {
				out = append(out, finding("HAI0305", obj, "require keys per route instead: higress-ai route bind ROUTE --consumer NAME", "global_auth is true: a consumer saved in the console resets it to false"))
			}
		}
		for _, r := range rules {
			where := fmt.Sprintf("%s matchRules[%d] (%s)", obj, r.Index, r.Targets())
			if r.Disabled() {
				out = append(out, finding("HAI0309", where, "", "the rule is disabled: requests fall through to the next rule"))
				continue
			}
			if names, ok := keyauth.Allow(r.Config()); ok {
				if len(names) == 0 {
					out = append(out, finding("HAI0307", where, "higress-ai route bind ROUTE --consumer NAME", "allow is empty: every request is refused"))
				}
				if cfg != nil {
					for _, n := range names {
						if !known[n] {
							out = append(out, finding("HAI0302", where, fmt.Sprintf("higress-ai consumer add %s, or remove it from the rule", n), "allows %q, which is not a consumer", n))
						}
					}
				}
			}
			if g.RoutesKnown {
				for _, name := range r.Ingress() {
					if !routes[name] {
						out = append(out, finding("HAI0304", "route/"+name, "remove the route from the rule, or create its Ingress", "%s names route %q, which no Ingress of class higress has", where, name))
					}
				}
			}
		}
	}
	return out
}

func duplicateKeys(cfg *keyauth.Config, obj string) []Finding {
	var out []Finding
	holder := map[string]string{}
	for _, c := range cfg.Consumers() {
		for _, cred := range c.Credentials() {
			t := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(cred, "Bearer "), "bearer "))
			if other, ok := holder[t]; ok && other != c.Name() {
				out = append(out, finding("HAI0303", obj, "give one of them a new key: higress-ai consumer rotate "+c.Name()+", then rotate "+c.Name()+" --finish", "consumers %q and %q hold the same key", other, c.Name()))
				continue
			}
			holder[t] = c.Name()
		}
	}
	return out
}

func objectSize(p wasmplugin.Plugin) int {
	b, err := json.Marshal(p.Obj.Object)
	if err != nil {
		return 0
	}
	return len(b)
}

// bundledProxy reports an ai-proxy that is not Higress's built-in image: the one higress-ai
// installs, which writes the consumer into ai_log itself.
func bundledProxy(g Gateway) bool {
	for _, p := range byKind(g, "ai-proxy") {
		if !strings.HasPrefix(p.URL(), wasmplugin.BuiltinRegistry) {
			return true
		}
	}
	return false
}

func checkLogging(g Gateway) []Finding {
	var out []Finding
	stats := byKind(g, "ai-statistics")
	bundled := bundledProxy(g)
	if len(stats) == 0 && !bundled {
		out = append(out, finding("HAI0402", "plugin/ai-statistics", "higress-ai plugin install", "neither ai-statistics nor the bundled ai-proxy is installed: no request's model or tokens are logged"))
	}
	separate := false
	for _, s := range stats {
		apply, sep := consumerAttribute(s)
		if sep {
			separate = true
		}
		if !apply && !bundled && len(byKind(g, "key-auth")) > 0 {
			out = append(out, finding("HAI0403", pluginObject(s), "add to its attributes: {key: consumer, value_source: request_header, value: x-mse-consumer, apply_to_log: true}",
				"ai-statistics has no consumer attribute: usage is booked under no consumer"))
		}
	}
	c := g.Cluster
	if c == nil || !c.AccessLogFormatKnown {
		return out
	}
	if !strings.Contains(c.AccessLogFormat, "wasm.ai_log") {
		out = append(out, finding("HAI0401", "configmap/higress-config", "add \"ai_log\":\"%FILTER_STATE(wasm.ai_log:PLAIN)%\" to the access-log format in ConfigMap higress-config",
			"the access-log format has no ai_log"))
	}
	if separate && !strings.Contains(c.AccessLogFormat, "wasm.consumer") {
		out = append(out, finding("HAI0404", "configmap/higress-config", "add \"consumer\":\"%FILTER_STATE(wasm.consumer:PLAIN)%\" to the format, or drop as_separate_log_field",
			"the consumer attribute is a separate log field the access-log format does not have"))
	}
	for _, line := range c.GatewayLog {
		if isLoadError(line) {
			out = append(out, finding("HAI0405", "pods/higress-gateway", "read the line and fix the plugin's config", "%s", truncate(line, 200)))
		}
	}
	return out
}

// consumerAttribute reports whether ai-statistics logs the consumer, and whether as a separate
// access-log field.
func consumerAttribute(p wasmplugin.Plugin) (apply, separate bool) {
	attrs, _ := p.DefaultConfig()["attributes"].([]any)
	for _, a := range attrs {
		m, _ := a.(map[string]any)
		if m["key"] != "consumer" || m["value_source"] != "request_header" || !strings.EqualFold(fmt.Sprint(m["value"]), "x-mse-consumer") {
			continue
		}
		if b, _ := m["apply_to_log"].(bool); b {
			s, _ := m["as_separate_log_field"].(bool)
			return true, s
		}
	}
	return false, false
}

func isLoadError(line string) bool {
	l := strings.ToLower(line)
	return strings.Contains(l, "wasm") && (strings.Contains(l, "failed to load") || strings.Contains(l, "parse config failed") ||
		strings.Contains(l, "failed to parse") || strings.Contains(l, "on_configure failed") || strings.Contains(l, "plugin configure failed"))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func checkLimits(g Gateway) []Finding {
	var out []Finding
	for _, p := range byKind(g, ratelimit.Plugin) {
		obj := pluginObject(p)
		check := func(where string, raw map[string]any) {
			cfg, err := ratelimit.Parse(raw)
			if err != nil {
				out = append(out, finding("HAI0501", obj, "fix "+where, "%s: %v", where, err))
				return
			}
			for _, e := range cfg.Entries() {
				if e.Shadowed {
					out = append(out, finding("HAI0502", obj, "move it before the catch-all limit (higress-ai limit set re-orders)", "%s: the limit of %q (%d per %s) never applies: an earlier item matches first", where, e.Consumer, e.Tokens, e.Window.Short()))
				}
			}
		}
		if !p.GlobalDisabled() {
			check("spec.defaultConfig", p.DefaultConfig())
		}
		rules, _ := p.Rules()
		for _, r := range rules {
			if !r.Disabled() && r.Config() != nil {
				check(fmt.Sprintf("spec.matchRules[%d].config", r.Index), r.Config())
			}
		}
	}
	return out
}

// checkBundledProxy checks the bundled ai-proxy (higress-ai-proxy): providers that need an
// upstream key and have none, and its record of where key-auth runs against key-auth itself.
func checkBundledProxy(g Gateway) []Finding {
	var out []Finding
	var auth *wasmplugin.Plugin
	var authCfg *keyauth.Config
	if ks := byKind(g, keyauth.Plugin); len(ks) > 0 {
		if cfg, err := keyauth.Parse(ks[0].DefaultConfig()); err == nil {
			auth, authCfg = &ks[0], cfg
		}
	}
	for _, p := range g.Plugins {
		if p.Name() != aiproxy.Resource {
			continue
		}
		obj := pluginObject(p)
		cfg, err := aiproxy.Parse(p.DefaultConfig())
		if err != nil {
			continue
		}
		for _, prov := range cfg.Providers() {
			if len(prov.APITokens()) == 0 && !aiproxy.Keyless(prov.Type()) {
				out = append(out, finding("HAI0701", obj, "printf %s \"$KEY\" | higress-ai provider rotate-key "+prov.ID()+" --api-key-stdin",
					"provider %q (%s) has no upstream key: the provider refuses every request (401)", prov.ID(), prov.Type()))
			}
		}
		if auth == nil && authCfg == nil && byKind(g, keyauth.Plugin) != nil {
			continue // key-auth unreadable: HAI0301 says so
		}
		want, err := aiplugin.KeyAuthBlock(auth, authCfg)
		if err != nil {
			continue
		}
		have, err := aiproxy.ParseKeyAuth(p.DefaultConfig())
		if err != nil || have == nil {
			out = append(out, finding("HAI0702", obj, "higress-ai plugin install (it rewrites the record from key-auth)", "the bundled ai-proxy has no readable record of where key-auth runs: it trusts no consumer"))
			continue
		}
		have.Normalize()
		if !sameKeyAuth(*have, want) {
			out = append(out, finding("HAI0702", obj, "higress-ai plugin install (it rewrites the record from key-auth)",
				"the bundled ai-proxy's record of where key-auth runs (routes %s, domains %s, global %v) is out of step with key-auth (routes %s, domains %s, global %v), changed elsewhere (the console?)",
				orNone(have.Routes), orNone(have.Domains), have.Global, orNone(want.Routes), orNone(want.Domains), want.Global))
		}
	}
	return out
}

func sameKeyAuth(a, b aiproxy.KeyAuth) bool {
	eq := func(x, y []string) bool { return strings.Join(x, "\x00") == strings.Join(y, "\x00") }
	return a.Global == b.Global && eq(a.Routes, b.Routes) && eq(a.Domains, b.Domains) && eq(a.Keys, b.Keys) && eq(a.QueryKeys, b.QueryKeys)
}
