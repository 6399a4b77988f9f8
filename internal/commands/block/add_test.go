package block

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/requestblock"
)

// withPlugin writes a request-block plugin with the given url and spec lines (defaultConfig,
// matchRules...) beside the example Ingresses: gpt-4o (no host) and team-a/deepseek (host
// ai.example.com).
func withPlugin(t *testing.T, url, config string) (*cmdutil.TestFactory, string) {
	t.Helper()
	tf := cmdutil.NewTestFactory(t)
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "gitops", "routes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tf.Dir, "routes.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	doc := `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: words, namespace: higress-system, labels: {higress.io/wasm-plugin-name: request-block}}
spec:
  url: ` + url + "\n" + config
	p := filepath.Join(tf.Dir, "words.yaml")
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return tf, p
}

const (
	builtinURL = "oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/request-block:2.0.0"
	goURL      = "oci://registry.example.com/plugins/request-block-go:1.0.0"
)

// noWrite checks that a command left the folder as it was and printed no "configured" line.
func noWrite(t *testing.T, tf *cmdutil.TestFactory, p, before string) {
	t.Helper()
	if read(t, p) != before {
		t.Fatalf("the file changed:\n%s", read(t, p))
	}
	if strings.Contains(tf.Stderr.String(), "configured") || strings.Contains(tf.Stderr.String(), "created") {
		t.Fatalf("stderr reports a write: %s", tf.Stderr)
	}
}

func TestAddOfAWordTheGatewayAlreadyBlocksWritesNothing(t *testing.T) {
	// The console's plugin has no case_sensitive: a no-op add must not write it either.
	tf, p := withConsoleFixture(t)
	before := read(t, p)
	mustRun(t, tf, "add", "Password")
	noWrite(t, tf, p, before)
	if !strings.Contains(tf.Stderr.String(), `already blocked in body (global): "Password"`) {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
}

func TestAddToARouteWithoutARuleOfItsOwn(t *testing.T) {
	config := `  defaultConfig: {block_bodies: [password], block_bodys: [password], case_sensitive: false}
  matchRules:
  - domain: [ai.example.com]
    config: {block_bodies: [internal], block_bodys: [internal], case_sensitive: true}
`
	tf, p := withPlugin(t, builtinURL, config)
	before := read(t, p)
	// gpt-4o gets the global words: a word already there needs no rule, which would cut the route
	// off from the global words added later.
	mustRun(t, tf, "add", "password", "--route", "gpt-4o")
	noWrite(t, tf, p, before)
	if !strings.Contains(tf.Stderr.String(), `already blocked in body (route gpt-4o, through the config in force there: global): "password"`) {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	// team-a/deepseek is on host ai.example.com: the domain rule governs it, so its new rule goes
	// before that rule and starts from its words and case setting.
	mustRun(t, tf, "add", "internal", "--route", "team-a/deepseek")
	noWrite(t, tf, p, before)
	mustRun(t, tf, "add", "project-x", "--route", "team-a/deepseek")
	rules := spec(t, p)["matchRules"].([]any)
	want := map[string]any{"ingress": []any{"team-a/deepseek"}, "configDisable": false,
		"config": map[string]any{"block_bodies": []any{"internal", "project-x"}, "block_bodys": []any{"internal", "project-x"}, "case_sensitive": true}}
	if len(rules) != 2 || !reflect.DeepEqual(rules[0], want) {
		t.Fatalf("rules: %v", rules)
	}
	if !strings.Contains(tf.Stderr.String(), "starts from the words of the config in force there (domain ai.example.com)") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	// block test on the route now applies its own rule, and on gpt-4o the global config.
	if r := testJSON(t, tf, "project-x", "--route", "team-a/deepseek"); !r.Blocked || r.Scope != "route team-a/deepseek" {
		t.Fatalf("%+v", r)
	}
	if r := testJSON(t, tf, "internal", "--route", "gpt-4o"); r.Blocked || r.Scope != "global" {
		t.Fatalf("%+v", r)
	}
}

func TestScopeRefusals(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown route", []string{"add", "x", "--route", "gpt4"}, `unknown route "gpt4"`},
		{"empty route", []string{"add", "x", "--route", ""}, "empty route name"},
		{"empty domain", []string{"add", "x", "--domain", " "}, "empty domain name"},
		{"remove empty domain", []string{"remove", "x", "--domain", ""}, "empty domain name"},
		{"test unknown route", []string{"test", "x", "--route", "gpt4"}, `unknown route "gpt4"`},
		{"test empty domain", []string{"test", "x", "--domain", ""}, "empty domain name"},
		// plugin.cc checkHeader checks block_exact_urls and block_regexp_urls only inside
		// `if (!rule.block_urls.empty())`, as main.go onHttpRequestHeaders does.
		{"exact without a keyword URL rule", []string{"add", "/x", "--in", "url", "--exact"}, "checked only when block_urls has an entry"},
		{"regex without a keyword URL rule", []string{"add", "^/x", "--in", "url", "--regex"}, "checked only when block_urls has an entry"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf, p := withPlugin(t, builtinURL, "  defaultConfig: {block_bodys: [password], case_sensitive: false}\n")
			before := read(t, p)
			err := run(tf, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			noWrite(t, tf, p, before)
		})
	}
	// No plugin yet: a new config has no keyword URL rule, so no exact rule either.
	tf := cmdutil.NewTestFactory(t)
	if err := run(tf, "add", "/x", "--in", "url", "--exact"); err == nil || !strings.Contains(err.Error(), "checked only when block_urls has an entry") {
		t.Fatalf("err = %v", err)
	}
	if entries, _ := os.ReadDir(tf.Dir); len(entries) != 0 {
		t.Fatalf("written: %v", entries)
	}
}

func TestExactAndRegexOnTheGoBuild(t *testing.T) {
	tf, p := withPlugin(t, goURL, "  defaultConfig: {block_bodies: [password], case_sensitive: false}\n")
	before := read(t, p)
	// main.go onHttpRequestHeaders checks exact and regex rules only when block_urls has an entry.
	if err := run(tf, "add", "/swagger.html", "--in", "url", "--exact"); err == nil || !strings.Contains(err.Error(), "checked only when block_urls has an entry") {
		t.Fatalf("err = %v", err)
	}
	noWrite(t, tf, p, before)
	mustRun(t, tf, "add", "/admin", "--in", "url")
	mustRun(t, tf, "add", "/swagger.html", "--in", "url", "--exact")
	mustRun(t, tf, "add", "^/v[0-9]+/debug", "--in", "url", "--regex")
	if r := testJSON(t, tf, "hi", "--path", "/v2/debug"); !r.Blocked || r.Rule.In != "url-regex" || r.Build != "go" {
		t.Fatalf("%+v", r)
	}
	// Without the keyword URL rule the exact and regex rules are dead: the user is told.
	mustRun(t, tf, "remove", "/admin", "--in", "url")
	if !strings.Contains(tf.Stderr.String(), `note: the exact and regex URL rules of global ("/swagger.html", "^/v[0-9]+/debug") are checked only when block_urls has an entry, and none is left`) {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	// With no body word left either, the config would not load: it is disabled.
	mustRun(t, tf, "remove", "password")
	if s := spec(t, p); s["defaultConfigDisable"] != true {
		t.Fatalf("spec: %v", s)
	}
	if !strings.Contains(tf.Stderr.String(), `the global config has only exact or regex URL rules left ("/swagger.html", "^/v[0-9]+/debug"), which the Go build does not load without a keyword, header or body rule: disabled it`) {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
}

func TestRemovingARulesLastLoadableWordDropsTheRule(t *testing.T) {
	config := `  defaultConfig: {block_bodies: [password], case_sensitive: false}
  matchRules:
  - ingress: [gpt-4o]
    config: {block_urls: [/admin], block_exact_urls: [/x], case_sensitive: false}
`
	tf, p := withPlugin(t, goURL, config)
	mustRun(t, tf, "remove", "/admin", "--in", "url", "--route", "gpt-4o")
	if _, ok := spec(t, p)["matchRules"]; ok {
		t.Fatalf("rule kept: %v", spec(t, p))
	}
	if !strings.Contains(tf.Stderr.String(), `the rule for route gpt-4o has only exact or regex URL rules left ("/x"), which the Go build does not load without a keyword, header or body rule: removed it`) {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
}

func TestCaseSensitiveIsWrittenAsTheBuildApplies(t *testing.T) {
	cases := []struct {
		name, url, flag string
		want            bool
		warning         string
	}{
		// Unset: keep what the plugin's build does today.
		{"built-in keeps true", builtinURL, "", true, ""},
		{"go build keeps false", goURL, "", false, ""},
		// Given and different: every word of the config follows, and the user is told.
		{"explicit change", goURL, "--case-sensitive", true, "case_sensitive is now true in the config for global: it applies to every word there, so 2 word(s) already there now match case-sensitively"},
		{"explicit same", builtinURL, "--case-sensitive=true", true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf, p := withPlugin(t, tc.url, "  defaultConfig: {block_bodies: [password, token], block_bodys: [password, token]}\n")
			args := []string{"add", "secret"}
			if tc.flag != "" {
				args = append(args, tc.flag)
			}
			mustRun(t, tf, args...)
			cfg := spec(t, p)["defaultConfig"].(map[string]any)
			if cfg["case_sensitive"] != tc.want {
				t.Fatalf("case_sensitive = %v, want %v", cfg["case_sensitive"], tc.want)
			}
			if got := strings.Contains(tf.Stderr.String(), "warning: case_sensitive is now"); got != (tc.warning != "") || (got && !strings.Contains(tf.Stderr.String(), tc.warning)) {
				t.Fatalf("stderr: %s", tf.Stderr)
			}
		})
	}
	// A case change alone is a change, even when every word is there already.
	tf, p := withPlugin(t, goURL, "  defaultConfig: {block_bodies: [password], block_bodys: [password], case_sensitive: false}\n")
	mustRun(t, tf, "add", "password", "--case-sensitive")
	if spec(t, p)["defaultConfig"].(map[string]any)["case_sensitive"] != true || !strings.Contains(tf.Stderr.String(), "1 word(s) already there") {
		t.Fatalf("stderr: %s\n%s", tf.Stderr, read(t, p))
	}
}

func TestRemoveWritesCaseSensitive(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want bool
	}{{builtinURL, true}, {goURL, false}} {
		tf, p := withPlugin(t, tc.url, "  defaultConfig: {block_bodies: [password, token], block_bodys: [password, token]}\n")
		mustRun(t, tf, "remove", "token")
		cfg := spec(t, p)["defaultConfig"].(map[string]any)
		if cfg["case_sensitive"] != tc.want || !reflect.DeepEqual(cfg["block_bodies"], []any{"password"}) || !reflect.DeepEqual(cfg["block_bodys"], []any{"password"}) {
			t.Fatalf("%s: %v", tc.url, cfg)
		}
	}
}

func TestTestOnADisabledRuleFallsThrough(t *testing.T) {
	config := `  defaultConfig: {block_bodys: [password], case_sensitive: false}
  matchRules:
  - ingress: [gpt-4o]
    configDisable: true
    config: {block_bodys: [only-here], case_sensitive: false}
  - domain: [ai.example.com]
    config: {block_headers: [X-Debug, ai.example.com], case_sensitive: true}
`
	tf, _ := withPlugin(t, builtinURL, config)
	r := testJSON(t, tf, "password", "--route", "gpt-4o")
	if !r.Blocked || r.Scope != "global" || !hasWarning(r, "the rule for route gpt-4o is disabled (configDisable: true): Higress applies the config for global instead") {
		t.Fatalf("%+v", r)
	}
	// deepseek's host has a domain rule: it applies, with the host as the request's :authority,
	// and its upper-case header word can never match a header name.
	r = testJSON(t, tf, "password", "--route", "team-a/deepseek", "-H", "x-debug: 1")
	if !r.Blocked || r.Scope != "domain ai.example.com" || r.Build != "cpp" || *r.Rule != (requestblock.Word{Text: "ai.example.com", In: "header"}) ||
		!hasWarning(r, `header word "X-Debug" has upper-case letters`) {
		t.Fatalf("%+v", r)
	}
}
