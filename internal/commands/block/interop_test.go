package block

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTestConsoleConfigGetsTheGatewaysVerdicts: the console writes block_bodies only and no
// case_sensitive. plugin.cc (parsePluginConfig) reads block_bodies beside block_bodys and keeps
// plugin.h's case_sensitive = true; main.go (parseConfig) reads block_bodies with
// case_sensitive false.
func TestTestConsoleConfigGetsTheGatewaysVerdicts(t *testing.T) {
	for _, tc := range []struct {
		url          string
		lower, upper bool // blocked: "my password", "my PASSWORD"
		wantBuild    string
	}{
		{builtinURL, true, false, "cpp"},
		{goURL, true, true, "go"},
	} {
		tf, _ := withPlugin(t, tc.url, "  defaultConfig: {block_bodies: [password]}\n")
		if r := testJSON(t, tf, "my password"); r.Blocked != tc.lower || string(r.Build) != tc.wantBuild {
			t.Errorf("%s lower: %+v", tc.url, r)
		}
		if r := testJSON(t, tf, "my PASSWORD"); r.Blocked != tc.upper || !hasWarning(r, "case_sensitive is not set") {
			t.Errorf("%s upper: %+v", tc.url, r)
		}
	}
}

// TestTestContentTypeAndBypass: -H Content-Type replaces the emulated application/json (one
// content-type header, as a client sends), and on the Go build wasm-go's IsBinaryRequestBody
// (pkg/wrapper/plugin_wrapper.go) keeps the body from the plugin: a bypass unless the bundled
// ai-proxy, which answers 415, runs on the route.
func TestTestContentTypeAndBypass(t *testing.T) {
	config := "  defaultConfig: {block_bodies: [password], case_sensitive: false}\n"
	tf, _ := withPlugin(t, goURL, config)
	r := testJSON(t, tf, "my password", "-H", "Content-Type: application/octet-stream")
	if r.Blocked || !r.Bypass || r.BodyUnread != "Content-Type: application/octet-stream" || !hasWarning(r, "a bypass of every body word") {
		t.Fatalf("%+v", r)
	}
	r = testJSON(t, tf, "my password", "-H", "Content-Encoding: identity")
	if r.Blocked || !r.Bypass || r.BodyUnread != "Content-Encoding: identity" {
		t.Fatalf("%+v", r)
	}
	mustRun(t, tf, "test", "my password", "-H", "Content-Encoding: gzip")
	if !strings.Contains(tf.Stdout.String(), "bypass: the Go build does not read a body sent with Content-Encoding: gzip") {
		t.Fatalf("stdout: %s", tf.Stdout)
	}
	// The C++ build has no such rule: it reads the body whatever its headers say.
	tf, _ = withPlugin(t, builtinURL, config)
	if r := testJSON(t, tf, "my password", "-H", "Content-Type: application/octet-stream"); !r.Blocked || r.Bypass {
		t.Fatalf("%+v", r)
	}
	// With the bundled ai-proxy (its config has the keyAuth block plugin install writes) on the
	// route, such a request is refused there: no bypass.
	tf, _ = withPlugin(t, goURL, config)
	proxy := `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: ai-proxy, namespace: higress-system, labels: {higress.io/wasm-plugin-name: ai-proxy}}
spec:
  url: oci://registry.example.com/higress-ai/ai-proxy@sha256:abcd
  defaultConfig: {provider: {type: openai, apiTokens: [x]}, keyAuth: {global: true}}
`
	if err := os.WriteFile(filepath.Join(tf.Dir, "ai-proxy.yaml"), []byte(proxy), 0o644); err != nil {
		t.Fatal(err)
	}
	r = testJSON(t, tf, "my password", "-H", "Content-Encoding: gzip")
	if r.Blocked || r.Bypass || !hasWarning(r, `the bundled ai-proxy (wasmplugin "higress-system/ai-proxy", HTTP 415) refuses such a request`) {
		t.Fatalf("%+v", r)
	}
	// Off its API paths the bundled ai-proxy passes the request on: a bypass again.
	if r = testJSON(t, tf, "my password", "-H", "Content-Encoding: gzip", "--path", "/v1/other"); !r.Bypass {
		t.Fatalf("%+v", r)
	}
}

// TestTestJSONWarningsIsAList: -o json prints "warnings": [] when there is nothing to say.
func TestTestJSONWarningsIsAList(t *testing.T) {
	tf, _ := withPlugin(t, goURL, "  defaultConfig: {block_bodies: [password], case_sensitive: false}\n")
	mustRun(t, tf, "test", "-o", "json", "hello")
	if !strings.Contains(tf.Stdout.String(), `"warnings": []`) {
		t.Fatalf("stdout: %s", tf.Stdout)
	}
}

// TestExactAndRegexOnTheCPPBuild: since v2.0.5 plugin.cc reads block_exact_urls and
// block_regexp_urls (exact, then RE2 full match, then keyword, all under block_urls).
func TestExactAndRegexOnTheCPPBuild(t *testing.T) {
	tf, _ := withPlugin(t, builtinURL, "  defaultConfig: {block_urls: [/admin], case_sensitive: true}\n")
	mustRun(t, tf, "add", "/swagger.html", "--in", "url", "--exact")
	mustRun(t, tf, "add", "/v[0-9]+/debug", "--in", "url", "--regex")
	if !strings.Contains(tf.Stderr.String(), "RE2 full match") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	if r := testJSON(t, tf, "hi", "--path", "/v2/debug"); !r.Blocked || r.Rule.In != "url-regex" || r.Build != "cpp" {
		t.Fatalf("%+v", r)
	}
	if r := testJSON(t, tf, "hi", "--path", "/api/v2/debug"); r.Blocked || !hasWarning(r, "matches part of the path only") {
		t.Fatalf("%+v", r)
	}
	if r := testJSON(t, tf, "hi", "--path", "/swagger.html"); !r.Blocked || r.Rule.In != "url-exact" {
		t.Fatalf("%+v", r)
	}
}

// TestRegexLoweredUnderCaseInsensitive: both builds lower-case a regex when case_sensitive is
// false (plugin.cc AsciiStrToLower, main.go strings.ToLower): one that then no longer compiles
// is refused (the plugin would not load), one whose meaning changes is warned about.
func TestRegexLoweredUnderCaseInsensitive(t *testing.T) {
	for _, url := range []string{builtinURL, goURL} {
		tf, p := withPlugin(t, url, "  defaultConfig: {block_urls: [/admin], case_sensitive: false}\n")
		before := read(t, p)
		err := run(tf, "add", "(?U)/x+", "--in", "url", "--regex")
		if err == nil || !strings.Contains(err.Error(), "does not compile once lower-cased") {
			t.Fatalf("%s: err = %v", url, err)
		}
		noWrite(t, tf, p, before)
		mustRun(t, tf, "add", `/v1/\D+`, "--in", "url", "--regex")
		if !strings.Contains(tf.Stderr.String(), "warning: regex \"/v1/\\\\D+\" is lower-cased because case_sensitive is false, which changes what it means: `\\D` becomes `\\d`") {
			t.Fatalf("%s: stderr: %s", url, tf.Stderr)
		}
	}
}

// TestTestServiceRulesApplyByUpstream: a rule with `service:` matches a request's upstream cluster
// (route_rule_matcher.h serviceMatch, rule_matcher.go serviceMatch), so it applies to the routes
// whose Ingress sends to that service: gpt-4o's higress.io/destination is openai.dns. A rule
// naming a route and a domain is a route rule only: its domain is not consulted.
func TestTestServiceRulesApplyByUpstream(t *testing.T) {
	config := `  defaultConfig: {block_bodies: [global-word], case_sensitive: false}
  matchRules:
  - ingress: [team-a/other]
    domain: [ai.example.com]
    config: {block_bodies: [route-domain-word], case_sensitive: false}
  - service: [openai.dns]
    config: {block_bodies: [service-word], case_sensitive: false}
`
	tf, _ := withPlugin(t, builtinURL, config)
	if r := testJSON(t, tf, "service-word", "--route", "gpt-4o"); !r.Blocked || r.Scope != "service openai.dns" {
		t.Fatalf("gpt-4o: %+v", r)
	}
	// team-a/deepseek is on ai.example.com and sends elsewhere: neither rule applies.
	if r := testJSON(t, tf, "route-domain-word service-word", "--route", "team-a/deepseek"); r.Blocked || r.Scope != "global" {
		t.Fatalf("team-a/deepseek: %+v", r)
	}
	if r := testJSON(t, tf, "route-domain-word", "--domain", "ai.example.com"); r.Blocked || r.Scope != "global" {
		t.Fatalf("domain: %+v", r)
	}
}

// TestTestBodyOver32MiB: plugin.cc onRequestBody lets a body over MAX_BODY_SIZE (32 MiB) pass
// unchecked; the Go build (wasm-go's OnHttpRequestBody) hands it whole to main.go.
func TestTestBodyOver32MiB(t *testing.T) {
	body := strings.Repeat("x", 33<<20) + "password"
	for _, tc := range []struct {
		url     string
		blocked bool
	}{{builtinURL, false}, {goURL, true}} {
		tf, _ := withPlugin(t, tc.url, "  defaultConfig: {block_bodies: [password], case_sensitive: false}\n")
		tf.Stdin.WriteString(body)
		r := testJSON(t, tf, "-")
		if r.Blocked != tc.blocked || (!tc.blocked && !hasWarning(r, "over 32 MiB")) {
			t.Fatalf("%s: %+v", tc.url, r)
		}
	}
}
