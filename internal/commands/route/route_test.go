package route

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

func run(tf *cmdutil.TestFactory, args ...string) error {
	return tf.Run(NewCmdRoute(tf.Factory), args...)
}

func mustRun(t *testing.T, tf *cmdutil.TestFactory, args ...string) {
	t.Helper()
	if err := run(tf, args...); err != nil {
		t.Fatalf("route %s: %v\nstderr: %s", strings.Join(args, " "), err, tf.Stderr)
	}
}

// withGitops copies the example folder: a console key-auth.internal (alice, legacy; rules for
// gpt-4o, the domain ai.example.com and a disabled two-route rule) and Ingresses gpt-4o in
// higress-system and deepseek in team-a on host ai.example.com.
func withGitops(t *testing.T) *cmdutil.TestFactory {
	t.Helper()
	tf := cmdutil.NewTestFactory(t)
	for _, name := range []string{"key-auth.yaml", "routes.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "gitops", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tf.Dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return tf
}

func rules(t *testing.T, tf *cmdutil.TestFactory) []any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tf.Dir, "key-auth.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m["spec"].(map[string]any)["matchRules"].([]any)
}

func listJSON(t *testing.T, tf *cmdutil.TestFactory) map[string]Info {
	t.Helper()
	mustRun(t, tf, "list", "-o", "json")
	var infos []Info
	if err := json.Unmarshal(tf.Stdout.Bytes(), &infos); err != nil {
		t.Fatalf("%v: %s", err, tf.Stdout)
	}
	out := map[string]Info{}
	for _, in := range infos {
		out[in.Route] = in
	}
	return out
}

func TestListShowsIngressesAndRuleRoutes(t *testing.T) {
	tf := withGitops(t)
	got := listJSON(t, tf)
	want := map[string]Info{
		"gpt-4o": {Route: "gpt-4o", Namespace: "higress-system", Ingress: true, Auth: AuthOn, Consumers: []string{"alice"},
			AuthRule: "route gpt-4o", BlockedWords: []string{}},
		// deepseek's host has a domain rule: that rule governs it.
		"team-a/deepseek": {Route: "team-a/deepseek", Namespace: "team-a", Ingress: true, Hosts: []string{"ai.example.com"}, Auth: AuthOn,
			Consumers: []string{"alice", "legacy"}, AuthRule: "domain ai.example.com", BlockedWords: []string{}},
		// Named only in a disabled rule: no Ingress, and Higress drops the rule, so the global config
		// (global_auth: false) decides: no key needed.
		"team-a/locked": {Route: "team-a/locked", Auth: AuthOff, BlockedWords: []string{}},
		"team-b/locked": {Route: "team-b/locked", Auth: AuthOff, BlockedWords: []string{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	for _, tty := range []bool{false, true} {
		tf.IO.SetTTY(tty)
		mustRun(t, tf, "list")
		lines := strings.Split(strings.TrimSpace(tf.Stdout.String()), "\n")
		if len(lines) != 5 || !strings.HasPrefix(lines[0], "ROUTE") || !strings.Contains(lines[2], "alice,legacy") || !strings.Contains(lines[3], "(anyone, no key)") {
			t.Fatalf("tty=%v:\n%s", tty, tf.Stdout)
		}
	}
	mustRun(t, tf, "list", "-o", "name")
	if tf.Stdout.String() != "gpt-4o\nteam-a/deepseek\nteam-a/locked\nteam-b/locked\n" {
		t.Fatalf("names: %q", tf.Stdout)
	}
}

func TestListWithGlobalAuthAndBlockedWords(t *testing.T) {
	tf := withGitops(t)
	p := filepath.Join(tf.Dir, "key-auth.yaml")
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), "global_auth: false", "global_auth: true", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tf.Dir, "block.yaml"), []byte(`apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: words, namespace: higress-system, labels: {higress.io/wasm-plugin-name: request-block}}
spec:
  url: oci://example/request-block:2.0.0
  defaultConfig: {block_bodies: [password], case_sensitive: false}
  matchRules:
  - ingress: [gpt-4o]
    config: {block_bodies: [password, project-x], case_sensitive: false}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	got := listJSON(t, tf)
	if in := got["gpt-4o"]; !reflect.DeepEqual(in.BlockedWords, []string{"password", "project-x"}) || in.BlockRule != "route gpt-4o" {
		t.Fatalf("gpt-4o: %+v", in)
	}
	// Higress drops a disabled rule: its routes fall through to the global config, which under
	// global_auth needs any consumer's key.
	if in := got["team-a/locked"]; in.Auth != AuthGlobal || in.Consumers != nil || in.AuthRule != "" || in.BlockRule != "global" {
		t.Fatalf("locked (rule disabled, global auth on): %+v", in)
	}
	// A route with no rule at all is open to any consumer under global_auth.
	if err := os.WriteFile(filepath.Join(tf.Dir, "open.yaml"), []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: open, namespace: team-c, annotations: {kubernetes.io/ingress.class: higress}}
spec: {rules: [{host: open.example.com}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: nginx-one, namespace: team-c}
spec: {ingressClassName: nginx}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	got = listJSON(t, tf)
	if in := got["team-c/open"]; in.Auth != AuthGlobal || in.Consumers != nil || !in.Ingress {
		t.Fatalf("open: %+v", in)
	}
	if _, ok := got["team-c/nginx-one"]; ok {
		t.Fatal("an Ingress of another class is listed")
	}
}

func TestBindCreatesTheRouteRuleAndTouchesNoOther(t *testing.T) {
	tf := withGitops(t)
	before := rules(t, tf)
	mustRun(t, tf, "bind", "gpt-4o", "--consumer", "legacy")
	after := rules(t, tf)
	if !reflect.DeepEqual(after[0].(map[string]any)["config"], map[string]any{"allow": []any{"alice", "legacy"}}) ||
		!reflect.DeepEqual(after[1:], before[1:]) {
		t.Fatalf("rules after bind: %v", after)
	}
	if !strings.Contains(tf.Stderr.String(), "key-auth.internal configured") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	// Binding again is a no-op that says so.
	mustRun(t, tf, "bind", "gpt-4o", "-c", "legacy,alice")
	if !strings.Contains(tf.Stderr.String(), `already bound to route gpt-4o: "legacy", "alice"`) || !strings.Contains(tf.Stderr.String(), "nothing changed") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}

	// deepseek is governed by the domain rule of its host: its own rule goes first and keeps the
	// domain rule's consumers.
	mustRun(t, tf, "bind", "team-a/deepseek", "-c", "alice")
	after = rules(t, tf)
	own := after[1].(map[string]any)
	if !reflect.DeepEqual(own["ingress"], []any{"team-a/deepseek"}) || !reflect.DeepEqual(own["config"], map[string]any{"allow": []any{"alice", "legacy"}}) {
		t.Fatalf("deepseek rule: %v", after)
	}
	if !reflect.DeepEqual(after[2:], before[1:]) {
		t.Fatalf("other rules changed: %v", after)
	}
	if !strings.Contains(tf.Stderr.String(), "governed by the rule for domain ai.example.com") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
}

func TestBindAndUnbindRefusals(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown consumer", []string{"bind", "gpt-4o", "-c", "alice,mallory"}, `unknown consumer "mallory"`},
		{"unknown route", []string{"bind", "gpt4", "-c", "alice"}, `unknown route "gpt4"`},
		{"namespaced own route", []string{"bind", "higress-system/gpt-4o", "-c", "alice"}, "Higress names it without the namespace"},
		{"no consumer", []string{"bind", "gpt-4o"}, "--consumer is required"},
		{"bad consumer name", []string{"bind", "gpt-4o", "-c", "no spaces"}, "--consumer"},
		{"unbind not bound", []string{"unbind", "gpt-4o", "-c", "legacy"}, `"legacy" not bound to route gpt-4o`},
		{"unbind shared rule", []string{"unbind", "team-a/deepseek", "-c", "alice"}, "governed by the rule for domain ai.example.com"},
		{"unbind under a disabled rule", []string{"unbind", "team-a/locked", "-c", "alice"}, "route team-a/locked has no key-auth rule of its own"},
		{"unbind last off a terminal", []string{"unbind", "gpt-4o", "-c", "alice"}, "pass --yes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := withGitops(t)
			p := filepath.Join(tf.Dir, "key-auth.yaml")
			before, _ := os.ReadFile(p)
			err := run(tf, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if after, _ := os.ReadFile(p); string(after) != string(before) {
				t.Fatal("the file changed")
			}
		})
	}
}

func TestBindAnyRoute(t *testing.T) {
	tf := withGitops(t)
	mustRun(t, tf, "bind", "future-route", "-c", "alice", "--any-route")
	last := rules(t, tf)[3].(map[string]any)
	if !reflect.DeepEqual(last["ingress"], []any{"future-route"}) || !reflect.DeepEqual(last["config"], map[string]any{"allow": []any{"alice"}}) {
		t.Fatalf("rule: %v", last)
	}
}

func TestUnbindLastConsumer(t *testing.T) {
	tf := withGitops(t)
	// On a terminal the user is asked; no declines.
	tf.IO.SetTTY(true)
	tf.Stdin.WriteString("n\n")
	err := run(tf, "unbind", "gpt-4o", "-c", "alice")
	if !errors.Is(err, cmdutil.ErrCancel) || cmdutil.ExitCode(err) != cmdutil.ExitCancel || !strings.Contains(tf.Stderr.String(), "will allow nobody") {
		t.Fatalf("err = %v, stderr %s", err, tf.Stderr)
	}
	tf.Stdin.WriteString("y\n")
	mustRun(t, tf, "unbind", "gpt-4o", "-c", "alice")
	if got := rules(t, tf)[0].(map[string]any)["config"]; !reflect.DeepEqual(got, map[string]any{"allow": []any{}}) {
		t.Fatalf("config: %v", got)
	}
	if !strings.Contains(tf.Stderr.String(), "warning: route gpt-4o now allows nobody") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	// Off a terminal, --yes does it without asking.
	tf2 := withGitops(t)
	mustRun(t, tf2, "unbind", "gpt-4o", "-c", "alice", "--yes")
	if got := listJSON(t, tf2)["gpt-4o"]; got.Auth != AuthOn || got.Consumers == nil || len(got.Consumers) != 0 {
		t.Fatalf("after unbind: %+v", got)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	tf := withGitops(t)
	p := filepath.Join(tf.Dir, "key-auth.yaml")
	before, _ := os.ReadFile(p)
	mustRun(t, tf, "bind", "gpt-4o", "-c", "legacy", "--dry-run")
	if after, _ := os.ReadFile(p); string(after) != string(before) {
		t.Fatal("dry run wrote")
	}
	if !strings.Contains(tf.Stdout.String(), "+      - legacy") {
		t.Fatalf("diff: %s", tf.Stdout)
	}
}

// keyAuthWith writes a key-auth plugin with consumers alice and bob, the given global_auth line
// (none when empty) and match rules, beside the example Ingresses.
func keyAuthWith(t *testing.T, globalAuth, rules string) *cmdutil.TestFactory {
	t.Helper()
	tf := withGitops(t)
	doc := `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: key-auth.internal, namespace: higress-system, labels: {higress.io/wasm-plugin-name: key-auth}}
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0
  defaultConfig:
    allow: [bob]
    keys: [x-api-key]
    consumers:
    - {name: alice, credential: alice-key-0001}
    - {name: bob, credential: bob-key-0001}
` + globalAuth + rules
	if err := os.WriteFile(filepath.Join(tf.Dir, "key-auth.yaml"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return tf
}

func TestListFollowsGlobalAuthAsTheGatewayDoes(t *testing.T) {
	const gptRule = "  matchRules:\n  - {ingress: [gpt-4o], config: {allow: [alice]}}\n"
	const disabledRule = "  matchRules:\n  - {ingress: [gpt-4o], config: {allow: [alice]}, configDisable: true}\n"
	cases := []struct {
		name           string
		globalAuth     string
		rules          string
		gpt, deepseek  Auth
		gptConsumers   []string
		gptRuleInForce string
	}{
		// global_auth unset and no rule: every route needs a key, any consumer's (the global allow
		// list [bob] is not read by the C++ key-auth).
		{name: "unset, no rule", gpt: AuthGlobal, deepseek: AuthGlobal},
		// Only a disabled rule: Higress drops it, so still no rule.
		{name: "unset, disabled rule only", rules: disabledRule, gpt: AuthGlobal, deepseek: AuthGlobal},
		// Once a rule exists, routes without one need no key.
		{name: "unset, one rule", rules: gptRule, gpt: AuthOn, deepseek: AuthOff, gptConsumers: []string{"alice"}, gptRuleInForce: "route gpt-4o"},
		{name: "true, one rule", globalAuth: "    global_auth: true\n", rules: gptRule, gpt: AuthOn, deepseek: AuthGlobal, gptConsumers: []string{"alice"}, gptRuleInForce: "route gpt-4o"},
		{name: "false, no rule", globalAuth: "    global_auth: false\n", gpt: AuthOff, deepseek: AuthOff},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := listJSON(t, keyAuthWith(t, tc.globalAuth, tc.rules))
			gpt, ds := got["gpt-4o"], got["team-a/deepseek"]
			if gpt.Auth != tc.gpt || !reflect.DeepEqual(gpt.Consumers, tc.gptConsumers) || gpt.AuthRule != tc.gptRuleInForce {
				t.Errorf("gpt-4o: %+v", gpt)
			}
			if ds.Auth != tc.deepseek || ds.Consumers != nil {
				t.Errorf("deepseek: %+v", ds)
			}
		})
	}
}

func TestFirstBindKeepsOtherRoutesBehindAKey(t *testing.T) {
	// global_auth unset and no rule: every route needs a key. The first rule would open the others.
	tf := keyAuthWith(t, "", "")
	mustRun(t, tf, "bind", "gpt-4o", "-c", "alice")
	if !strings.Contains(tf.Stderr.String(), "wrote global_auth: true so the other routes still do") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	b, _ := os.ReadFile(filepath.Join(tf.Dir, "key-auth.yaml"))
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["spec"].(map[string]any)["defaultConfig"].(map[string]any)["global_auth"] != true {
		t.Fatalf("global_auth not written:\n%s", b)
	}
	got := listJSON(t, tf)
	if got["gpt-4o"].Auth != AuthOn || got["team-a/deepseek"].Auth != AuthGlobal {
		t.Fatalf("after bind: %+v", got)
	}
	// A second bind leaves global_auth alone (it is set now).
	mustRun(t, tf, "bind", "team-a/deepseek", "-c", "bob")
	if strings.Contains(tf.Stderr.String(), "global_auth") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	// Set explicitly, or with a rule already there, global_auth is never touched.
	for _, tc := range []struct{ globalAuth, rules string }{
		{"    global_auth: false\n", ""},
		{"", "  matchRules:\n  - {ingress: [team-a/deepseek], config: {allow: [bob]}}\n"},
	} {
		tf := keyAuthWith(t, tc.globalAuth, tc.rules)
		mustRun(t, tf, "bind", "gpt-4o", "-c", "alice")
		b, _ := os.ReadFile(filepath.Join(tf.Dir, "key-auth.yaml"))
		if strings.Contains(tf.Stderr.String(), "global_auth") || strings.Contains(string(b), "global_auth: true") {
			t.Fatalf("%q %q: global_auth changed:\n%s\n%s", tc.globalAuth, tc.rules, tf.Stderr, b)
		}
	}
}

func TestBindIntoADisabledRuleWarns(t *testing.T) {
	tf := keyAuthWith(t, "    global_auth: true\n", "  matchRules:\n  - {ingress: [gpt-4o], config: {allow: [alice]}, configDisable: true}\n")
	mustRun(t, tf, "bind", "gpt-4o", "-c", "bob")
	if !strings.Contains(tf.Stderr.String(), "warning: the key-auth rule for route gpt-4o is disabled (configDisable: true)") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	r := rules(t, tf)[0].(map[string]any)
	if !reflect.DeepEqual(r["config"], map[string]any{"allow": []any{"alice", "bob"}}) || r["configDisable"] != true {
		t.Fatalf("rule: %v", r)
	}
}

func TestBlockedShowsWhatThePluginsBuildApplies(t *testing.T) {
	tf := withGitops(t)
	// The built-in image is the C++ build: since v2.0.5 it reads block_bodys and block_bodies
	// (plugin.cc parsePluginConfig); words under block_bodys only would be C++-only.
	if err := os.WriteFile(filepath.Join(tf.Dir, "block.yaml"), []byte(`apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: words, namespace: higress-system, labels: {higress.io/wasm-plugin-name: request-block}}
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/request-block:2.0.0
  defaultConfig: {block_bodys: [cpp-only], block_bodies: [password, both], case_sensitive: true}
  matchRules:
  - ingress: [gpt-4o]
    configDisable: true
    config: {block_bodys: [never], case_sensitive: true}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	in := listJSON(t, tf)["gpt-4o"]
	if !reflect.DeepEqual(in.BlockedWords, []string{"password", "both", "cpp-only"}) || in.BlockRule != "global" {
		t.Fatalf("gpt-4o: %+v", in)
	}
}

// TestGlobalAuthWarningsAndEffect: the console's KeyAuthCredentialHandler writes global_auth:
// false on every consumer save, so where this tool writes true it says so; route list says what
// the value in force does to routes without a rule.
func TestGlobalAuthWarningsAndEffect(t *testing.T) {
	tf := keyAuthWith(t, "", "")
	mustRun(t, tf, "list")
	if !strings.Contains(tf.Stderr.String(), "note: global_auth unset and no enabled key-auth rule: every route needs any consumer's key") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	mustRun(t, tf, "bind", "gpt-4o", "-c", "alice")
	if !strings.Contains(tf.Stderr.String(), "warning: the Higress console writes global_auth: false whenever it saves a consumer") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	mustRun(t, tf, "list")
	if !strings.Contains(tf.Stderr.String(), "note: global_auth true: routes without a key-auth rule need any consumer's key; the Higress console writes global_auth: false") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	// What a console consumer save leaves: team-a/deepseek, without a rule, needs no key.
	tf = keyAuthWith(t, "    global_auth: false\n", "  matchRules:\n  - {ingress: [gpt-4o], config: {allow: [alice]}}\n")
	if in := listJSON(t, tf)["team-a/deepseek"]; in.Auth != AuthOff {
		t.Fatalf("deepseek: %+v", in)
	}
	if !strings.Contains(tf.Stderr.String(), "note: global_auth false: routes without a key-auth rule need no key") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
}

// TestKeyAuthNotOnTheCPPBuildIsReadNotEdited: only the built-in key-auth:2.0.0 is known to be the
// C++ build, the one that loads the console's format this tool writes.
func TestKeyAuthNotOnTheCPPBuildIsReadNotEdited(t *testing.T) {
	tf := keyAuthWith(t, "    global_auth: false\n", "  matchRules:\n  - {ingress: [gpt-4o], config: {allow: [alice]}}\n")
	p := filepath.Join(tf.Dir, "key-auth.yaml")
	b, _ := os.ReadFile(p)
	other := strings.Replace(string(b), "oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0", "oci://registry.example.com/plugins/key-auth:1.0.0", 1)
	if err := os.WriteFile(p, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	if in := listJSON(t, tf)["gpt-4o"]; in.Auth != AuthOn || !reflect.DeepEqual(in.Consumers, []string{"alice"}) {
		t.Fatalf("gpt-4o: %+v", in)
	}
	if !strings.Contains(tf.Stderr.String(), "warning: wasmplugin \"higress-system/key-auth.internal\" runs \"oci://registry.example.com/plugins/key-auth:1.0.0\", not Higress's built-in key-auth:2.0.0") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	err := run(tf, "bind", "gpt-4o", "-c", "bob")
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "not Higress's built-in key-auth:2.0.0 (the C++ build)") {
		t.Fatalf("err = %v", err)
	}
	if after, _ := os.ReadFile(p); string(after) != other {
		t.Fatal("the plugin was written")
	}
}

// TestListServiceRules: route list counts a request-block or key-auth rule with `service:` for
// the routes whose Ingress sends to that service (gpt-4o's higress.io/destination: openai.dns),
// as route_rule_matcher.h's serviceMatch does, and names it as the rule in force.
func TestListServiceRules(t *testing.T) {
	tf := keyAuthWith(t, "    global_auth: false\n", "  matchRules:\n  - {service: [openai.dns], config: {allow: [bob]}}\n")
	if err := os.WriteFile(filepath.Join(tf.Dir, "block.yaml"), []byte(`apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: words, namespace: higress-system, labels: {higress.io/wasm-plugin-name: request-block}}
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/request-block:2.0.0
  defaultConfigDisable: true
  matchRules:
  - service: [openai.dns]
    config: {block_bodies: [secret], case_sensitive: true}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	infos := listJSON(t, tf)
	if in := infos["gpt-4o"]; in.Auth != AuthOn || !reflect.DeepEqual(in.Consumers, []string{"bob"}) || in.AuthRule != "service openai.dns" || in.BlockRule != "service openai.dns" {
		t.Fatalf("gpt-4o: %+v", in)
	}
	if in := infos["team-a/deepseek"]; in.Auth != AuthOff || in.BlockRule != "" {
		t.Fatalf("team-a/deepseek: %+v", in)
	}
}
