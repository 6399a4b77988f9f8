package consumer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

// run executes the consumer command tree with the global flags, as the root command would.
func run(tf *cmdutil.TestFactory, args ...string) error {
	return tf.Run(NewCmdConsumer(tf.Factory), args...)
}

func withConsoleFixture(t *testing.T) (*cmdutil.TestFactory, string) {
	t.Helper()
	tf := cmdutil.NewTestFactory(t)
	b, err := os.ReadFile("testdata/console-key-auth.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(tf.Dir, "key-auth.yaml")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return tf, p
}

func readYAML(t *testing.T, p string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func fileBytes(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAddParsesFlags(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		want    AddOptions
		wantErr string
	}{
		{name: "defaults", args: []string{"alice"}, want: AddOptions{Name: "alice", DryRun: "none"}},
		{name: "stdin and header", args: []string{"bob", "--key-stdin", "--header", "x-api-key"}, want: AddOptions{Name: "bob", KeyStdin: true, Header: "x-api-key", DryRun: "none"}},
		{name: "plugin and idempotent", args: []string{"c", "--plugin", "auth", "--if-not-exists"}, want: AddOptions{Name: "c", Plugin: "auth", IfNotExists: true, DryRun: "none"}},
		{name: "no name", args: []string{}, wantErr: "accepts 1 arg(s), received 0"},
		{name: "header and query", args: []string{"a", "--header", "h", "--query", "q"}, wantErr: "--header and --query cannot be used together"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			var got *AddOptions
			cmd := NewCmdAdd(tf.Factory, func(o *AddOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(tf.Stdout)
			cmd.SetErr(tf.Stderr)
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.F = nil
			if !reflect.DeepEqual(*got, tc.want) {
				t.Fatalf("options = %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestRotateAndRemoveParseFlags(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	var ro *RotateOptions
	cmd := NewCmdRotate(tf.Factory, func(o *RotateOptions) error { ro = o; return nil })
	cmd.SetArgs([]string{"alice", "--finish"})
	if err := cmd.Execute(); err != nil || !ro.Finish || ro.Name != "alice" {
		t.Fatalf("rotate --finish: %v %+v", err, ro)
	}
	cmd = NewCmdRotate(tf.Factory, func(o *RotateOptions) error { return nil })
	cmd.SetArgs([]string{"alice", "--finish", "--key-stdin"})
	cmd.SetErr(tf.Stderr)
	cmd.SilenceUsage = true
	if err := cmd.Execute(); err == nil {
		t.Fatal("--finish with --key-stdin accepted")
	}
	var rm *RemoveOptions
	rcmd := NewCmdRemove(tf.Factory, func(o *RemoveOptions) error { rm = o; return nil })
	rcmd.SetArgs([]string{"bob", "--force"})
	if err := rcmd.Execute(); err != nil || !rm.Force || rm.Name != "bob" {
		t.Fatalf("remove --force: %v %+v", err, rm)
	}
}

func TestAddCreatesConsoleShapedPluginAndPrintsKeyAlone(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "not a tty", true: "tty"}[tty], func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			tf.IO.SetTTY(tty)
			if err := run(tf, "add", "alice"); err != nil {
				t.Fatal(err)
			}
			key := strings.TrimSuffix(tf.Stdout.String(), "\n")
			if !strings.HasPrefix(key, "hai_") || strings.ContainsAny(key, " \n") || len(key) != 47 {
				t.Fatalf("stdout must be the key alone, got %q", tf.Stdout.String())
			}
			if !strings.Contains(tf.Stderr.String(), "wasmplugin.extensions.higress.io/key-auth.internal created") {
				t.Fatalf("stderr: %q", tf.Stderr.String())
			}
			if got := strings.Contains(tf.Stderr.String(), "shown only once"); got != tty {
				t.Fatalf("once-only hint on stderr = %v with tty %v", got, tty)
			}
			obj := readYAML(t, filepath.Join(tf.Dir, "key-auth.internal.yaml"))
			spec := obj["spec"].(map[string]any)
			labels := obj["metadata"].(map[string]any)["labels"].(map[string]any)
			if spec["phase"] != "AUTHN" || spec["priority"] != float64(310) || labels["higress.io/resource-definer"] != "higress" ||
				spec["url"] != "oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0" {
				t.Fatalf("not the console's key-auth.internal: %v %v", spec, labels)
			}
			cfg := spec["defaultConfig"].(map[string]any)
			if cfg["global_auth"] != false {
				t.Fatalf("global_auth = %v", cfg["global_auth"])
			}
			want := map[string]any{"name": "alice", "credentials": []any{"Bearer " + key}, "keys": []any{"Authorization"}, "in_header": true, "in_query": false}
			if got := cfg["consumers"].([]any)[0]; !reflect.DeepEqual(got, want) {
				t.Fatalf("consumer = %v, want %v", got, want)
			}
		})
	}
}

func TestAddRefusalsWriteNothing(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"existing name", []string{"add", "alice"}, "", `consumer "alice" already exists in wasmplugin "higress-system/key-auth.internal"`},
		{"bad name", []string{"add", "al/ice"}, "", `invalid consumer name "al/ice"`},
		{"key held by another", []string{"add", "carol", "--key-stdin"}, "legacy-plain-key-0001\n", `that key is already held by consumer "legacy"`},
		{"short key", []string{"add", "carol", "--key-stdin"}, "tooshort\n", "key too short"},
		{"empty stdin", []string{"add", "carol", "--key-stdin"}, "", "--key-stdin: no key on standard input"},
		{"bad dry-run", []string{"add", "carol", "--dry-run=maybe"}, "", `invalid --dry-run "maybe"`},
		{"remove unknown", []string{"remove", "nobody"}, "", `consumer "nobody" not found`},
		{"remove while allowed", []string{"remove", "legacy"}, "", `consumer "legacy" is still allowed on domain ai.example.com: unbind it first or use --force`},
		{"rotate unknown", []string{"rotate", "nobody"}, "", `consumer "nobody" not found`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf, p := withConsoleFixture(t)
			before := fileBytes(t, p)
			tf.Stdin.WriteString(tc.stdin)
			err := run(tf, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			if tc.stdin != "" && strings.Contains(err.Error(), strings.TrimSpace(tc.stdin)) {
				t.Fatalf("error reveals the key: %v", err)
			}
			if after := fileBytes(t, p); after != before {
				t.Fatal("a refused command changed the file")
			}
			if tf.Stdout.Len() != 0 {
				t.Fatalf("stdout after a refusal: %q", tf.Stdout)
			}
		})
	}
}

func TestIfNotExists(t *testing.T) {
	tf, p := withConsoleFixture(t)
	before := fileBytes(t, p)
	if err := run(tf, "add", "alice", "--if-not-exists"); err != nil {
		t.Fatal(err)
	}
	if tf.Stdout.Len() != 0 || !strings.Contains(tf.Stderr.String(), "already exists") || fileBytes(t, p) != before {
		t.Fatalf("--if-not-exists on an existing consumer: stdout %q stderr %q", tf.Stdout, tf.Stderr)
	}
	tf.Stdin.WriteString("hai_existingAliceKey000000000000\n")
	if err := run(tf, "add", "alice", "--if-not-exists", "--key-stdin"); err != nil {
		t.Fatalf("same key: %v", err)
	}
	tf.Stdin.WriteString("some-other-key-00000000\n")
	if err := run(tf, "add", "alice", "--if-not-exists", "--key-stdin"); err == nil {
		t.Fatal("--if-not-exists accepted an existing consumer with a different key")
	}
}

func TestConsoleConfigRoundTripsWithNothingLost(t *testing.T) {
	tf, p := withConsoleFixture(t)
	original := readYAML(t, p)
	if err := run(tf, "add", "bob"); err != nil {
		t.Fatal(err)
	}
	if err := run(tf, "rotate", "bob"); err != nil {
		t.Fatal(err)
	}
	if err := run(tf, "rotate", "bob", "--finish"); err != nil {
		t.Fatal(err)
	}
	if err := run(tf, "remove", "bob"); err != nil {
		t.Fatal(err)
	}
	if got := readYAML(t, p); !reflect.DeepEqual(got, original) {
		a, _ := yaml.Marshal(got)
		t.Fatalf("add+rotate+remove did not give back the original:\n%s", a)
	}
	if !strings.HasPrefix(fileBytes(t, p), "# key-auth.internal as the Higress console writes it") {
		t.Fatal("the document's header comment was lost")
	}
}

func TestListTTYAndNot(t *testing.T) {
	tf, _ := withConsoleFixture(t)
	if err := run(tf, "list"); err != nil {
		t.Fatal(err)
	}
	want := `NAME     KEY                   PRESENTED AS                                            ALLOWED ON
alice    Bearer hai_****0000   Authorization: Bearer                                   route gpt-4o; domain ai.example.com
legacy   ****0001              header x-higress-dummy-key, query x-higress-dummy-key   domain ai.example.com
`
	if got := tf.Stdout.String(); got != want {
		t.Fatalf("table:\n%s\nwant:\n%s", got, want)
	}
	for _, secretPart := range []string{"existingAliceKey", "legacy-plain-key"} {
		if strings.Contains(tf.Stdout.String(), secretPart) {
			t.Fatalf("list shows a key: %s", tf.Stdout)
		}
	}
	tf.IO.SetTTY(true)
	tf.IO.Color = true
	if err := run(tf, "list", "-o", "wide"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tf.Stdout.String(), "higress-system/key-auth.internal") || !strings.Contains(tf.Stdout.String(), "PLUGIN") {
		t.Fatalf("wide table:\n%s", tf.Stdout)
	}
}

func TestListJSONAndName(t *testing.T) {
	tf, _ := withConsoleFixture(t)
	if err := run(tf, "add", "bob"); err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(tf.Stdout.String())
	if err := run(tf, "list", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var items []Item
	if err := json.Unmarshal(tf.Stdout.Bytes(), &items); err != nil {
		t.Fatalf("%v\n%s", err, tf.Stdout)
	}
	if len(items) != 3 || items[2].Name != "bob" || items[0].AllowedOn[0] != "route gpt-4o" {
		t.Fatalf("items = %+v", items)
	}
	if strings.Contains(tf.Stdout.String(), key[4:]) {
		t.Fatal("json output holds the key")
	}
	if err := run(tf, "list", "-o", "name"); err != nil {
		t.Fatal(err)
	}
	if tf.Stdout.String() != "alice\nlegacy\nbob\n" {
		t.Fatalf("-o name: %q", tf.Stdout)
	}
	if err := run(tf, "list", "-o", "csv"); err == nil {
		t.Fatal("-o csv accepted by consumer list")
	}
}

func TestListWithoutPlugin(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	if err := run(tf, "list", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(tf.Stdout.String()) != "[]" || !strings.Contains(tf.Stderr.String(), "no key-auth wasmplugin") {
		t.Fatalf("stdout %q stderr %q", tf.Stdout, tf.Stderr)
	}
}

func TestRemoveForceUnbinds(t *testing.T) {
	tf, p := withConsoleFixture(t)
	if err := run(tf, "remove", "alice", "--force"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`removed "alice" from the allow list of route gpt-4o`, `removed "alice" from the allow list of domain ai.example.com`,
		"warning: the allow list of route gpt-4o is now empty: nobody may call it", "key-auth.internal configured"} {
		if !strings.Contains(tf.Stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, tf.Stderr)
		}
	}
	rules := readYAML(t, p)["spec"].(map[string]any)["matchRules"].([]any)
	allow := func(i int) []any { return rules[i].(map[string]any)["config"].(map[string]any)["allow"].([]any) }
	if len(allow(0)) != 0 || !reflect.DeepEqual(allow(1), []any{"legacy"}) || len(rules) != 3 {
		t.Fatalf("rules after --force: %v", rules)
	}
}

func TestRotateFlow(t *testing.T) {
	tf, _ := withConsoleFixture(t)
	if err := run(tf, "rotate", "alice"); err != nil {
		t.Fatal(err)
	}
	newKey := strings.TrimSpace(tf.Stdout.String())
	if !strings.HasPrefix(newKey, "hai_") {
		t.Fatalf("rotate printed %q", newKey)
	}
	if err := run(tf, "list"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tf.Stdout.String(), "Bearer hai_****"+newKey[len(newKey)-4:]+" (+1 old)") {
		t.Fatalf("list during rotation:\n%s", tf.Stdout)
	}
	if err := run(tf, "rotate", "alice", "--finish"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tf.Stderr.String(), "dropped 1 old key(s)") || tf.Stdout.Len() != 0 {
		t.Fatalf("finish: stdout %q stderr %q", tf.Stdout, tf.Stderr)
	}
}

func TestDryRunShowsMaskedDiffAndWritesNothing(t *testing.T) {
	tf, p := withConsoleFixture(t)
	before := fileBytes(t, p)
	if err := run(tf, "add", "bob", "--dry-run=client"); err != nil {
		t.Fatal(err)
	}
	if fileBytes(t, p) != before {
		t.Fatal("--dry-run=client wrote the file")
	}
	diff := tf.Stdout.String()
	if !strings.Contains(diff, "+      name: bob") || !strings.Contains(diff, "Bearer hai_****") || strings.Contains(diff, "existingAliceKey") {
		t.Fatalf("diff:\n%s", diff)
	}
	if !strings.Contains(tf.Stderr.String(), "configured (client dry run)") {
		t.Fatalf("stderr: %q", tf.Stderr)
	}
	// A new plugin under dry-run: nothing created either.
	empty := cmdutil.NewTestFactory(t)
	if err := run(empty, "add", "alice", "--dry-run=server"); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(empty.Dir); len(entries) != 0 {
		t.Fatalf("--dry-run=server created %d files", len(entries))
	}
}

func TestUnreadableConfigSaysWhere(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	p := filepath.Join(tf.Dir, "ka.yaml")
	bad := "apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: key-auth.internal\nspec:\n  defaultConfig:\n    consumers:\n    - name: a\n      credentials: [1]\n"
	if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(tf, "add", "bob")
	want := `cannot read the key-auth config of wasmplugin "higress-system/key-auth.internal": spec.defaultConfig.consumers[0].credentials[0]: must be a string`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant %s", err, want)
	}
	if fileBytes(t, p) != bad {
		t.Fatal("file changed")
	}
}

func TestShowGathersTheEffectivePolicy(t *testing.T) {
	// The console's key-auth: gpt-4o allows alice; the domain ai.example.com alice and legacy; a
	// disabled rule for team-a/locked and team-b/locked; global_auth false.
	tf, p := withConsoleFixture(t)
	for name, doc := range map[string]string{
		"block.yaml": `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: words, namespace: higress-system, labels: {higress.io/wasm-plugin-name: request-block}}
spec:
  url: oci://example/request-block:2.0.0
  defaultConfig: {block_bodies: [password], case_sensitive: false}
  matchRules:
  - ingress: [gpt-4o]
    config: {block_bodies: [project-x], case_sensitive: false}
  - ingress: [other]
    config: {block_bodies: [only-other], case_sensitive: false}
  - domain: [ai.example.com]
    config: {block_bodies: [internal-only], case_sensitive: false}
  - ingress: [team-c/open]
    configDisable: true
    config: {block_bodies: [never-applied], case_sensitive: false}
`,
		// deepseek is served on ai.example.com, whose domain rules govern it; open has no rule.
		"routes.yaml": `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: deepseek, namespace: team-a}
spec: {ingressClassName: higress, rules: [{host: ai.example.com}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: open, namespace: team-c}
spec: {ingressClassName: higress}
`,
	} {
		if err := os.WriteFile(filepath.Join(tf.Dir, name), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	show := func(name string) Policy {
		t.Helper()
		if err := run(tf, "show", name, "-o", "json"); err != nil {
			t.Fatal(err)
		}
		var pol Policy
		if err := json.Unmarshal(tf.Stdout.Bytes(), &pol); err != nil {
			t.Fatal(err)
		}
		return pol
	}
	words := func(pol Policy) map[string][]string {
		out := map[string][]string{}
		for _, b := range pol.BlockedWords {
			out[b.Word+" ("+b.Scope+")"] = b.On
		}
		return out
	}

	alice := show("alice")
	want := Access{
		Routes: []string{"gpt-4o", "team-a/deepseek"},
		// The disabled rule does not apply and global_auth is false: no key needed there.
		OpenRoutes: []string{"other", "team-a/locked", "team-b/locked", "team-c/open"},
		Domains:    []string{"ai.example.com"},
	}
	if !reflect.DeepEqual(alice.Access, want) {
		t.Fatalf("access: %+v", alice.Access)
	}
	wantWords := map[string][]string{
		"project-x (route gpt-4o)":              {"route gpt-4o"},
		"only-other (route other)":              {"route other"},
		"internal-only (domain ai.example.com)": {"route team-a/deepseek", "domain ai.example.com"},
		"password (global)":                     {"route team-a/locked", "route team-b/locked", "route team-c/open"},
	}
	if got := words(alice); !reflect.DeepEqual(got, wantWords) {
		t.Fatalf("blocked words: %v", got)
	}
	if len(alice.Credentials) != 1 || strings.Contains(alice.Credentials[0], "existingAlice") {
		t.Fatalf("credentials not masked: %v", alice.Credentials)
	}

	// legacy may not call gpt-4o: none of its words apply to it.
	if err := run(tf, "show", "legacy"); err != nil {
		t.Fatal(err)
	}
	out := tf.Stdout.String()
	for _, want := range []string{"Consumer:     legacy", "Routes:       team-a/deepseek\n", "Open routes:  other, team-a/locked", "Domains:      ai.example.com", "Global auth:  off",
		`"password"`, `global (on route team-a/locked; route team-b/locked; route team-c/open)`} {
		if !strings.Contains(out, want) {
			t.Fatalf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "legacy-plain-key") || strings.Contains(out, "project-x") {
		t.Fatalf("key shown or a word of a route it cannot call:\n%s", out)
	}

	// Under global_auth the routes no rule covers need any consumer's key: the global allow list
	// (here naming legacy only) is not read by the gateway, so alice's key opens them too.
	b := strings.Replace(fileBytes(t, p), "global_auth: false", "global_auth: true", 1)
	b = strings.Replace(b, "    allow: []\n    consumers:", "    allow: [legacy]\n    consumers:", 1)
	if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
		t.Fatal(err)
	}
	alice = show("alice")
	want = Access{Routes: []string{"gpt-4o", "other", "team-a/deepseek", "team-a/locked", "team-b/locked", "team-c/open"}, OpenRoutes: []string{}, Domains: []string{"ai.example.com"}, GlobalAuth: true}
	if !reflect.DeepEqual(alice.Access, want) {
		t.Fatalf("access under global_auth: %+v", alice.Access)
	}
	if err := run(tf, "show", "nobody"); err == nil || !strings.Contains(err.Error(), `consumer "nobody" not found`) {
		t.Fatalf("err = %v", err)
	}
}

func TestRemoveLeavesRulesItDoesNotChangeAsTheyWere(t *testing.T) {
	tf, p := withConsoleFixture(t)
	// A rule with no config at all (Higress then applies nothing there): reading it must not add
	// an empty config to it.
	b := strings.Replace(fileBytes(t, p), "  phase: AUTHN\n", "  - configDisable: true\n    domain:\n    - d.example.com\n  phase: AUTHN\n", 1)
	if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(tf, "remove", "alice", "--force"); err != nil {
		t.Fatal(err)
	}
	rules := readYAML(t, p)["spec"].(map[string]any)["matchRules"].([]any)
	last := rules[len(rules)-1].(map[string]any)
	if want := map[string]any{"configDisable": true, "domain": []any{"d.example.com"}}; !reflect.DeepEqual(last, want) {
		t.Fatalf("the rule without config became %v", last)
	}
}

func TestKeyFromStdinIsStoredButNeverPrinted(t *testing.T) {
	tf, p := withConsoleFixture(t)
	const key = "vault-held-secret-key-0123456789"
	tf.Stdin.WriteString(key + "\n")
	if err := run(tf, "add", "bob", "--key-stdin"); err != nil {
		t.Fatal(err)
	}
	tf.Stdin.WriteString(key + "-next\n")
	if err := run(tf, "rotate", "bob", "--key-stdin"); err != nil {
		t.Fatal(err)
	}
	if out := tf.Stdout.String() + tf.Stderr.String(); strings.Contains(out, "vault-held") {
		t.Fatalf("a key from stdin was printed:\n%s", out)
	}
	if b := fileBytes(t, p); !strings.Contains(b, "Bearer "+key+"\n") || !strings.Contains(b, "Bearer "+key+"-next\n") {
		t.Fatalf("keys not stored:\n%s", b)
	}
}

func TestPluginConfigIsRefusedAndNothingWritten(t *testing.T) {
	tf, p := withConsoleFixture(t)
	b := strings.Replace(fileBytes(t, p), "  phase: AUTHN\n", "  phase: AUTHN\n  pluginConfig: {consumers: []}\n", 1)
	if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(tf, "add", "bob")
	if err == nil || !strings.Contains(err.Error(), `sets spec.pluginConfig, which Higress applies instead of defaultConfig and matchRules`) {
		t.Fatalf("add on a plugin with pluginConfig: %v", err)
	}
	if fileBytes(t, p) != b || tf.Stdout.Len() != 0 {
		t.Fatal("something was written")
	}
}

// TestShowMatchesRulesAsTheGatewayDoes: route_rule_matcher.h (parseAuthRuleConfig,
// getMatchAuthConfig) makes a rule naming a route and a domain a route rule (the domain is never
// consulted), matches domains case-sensitively, and applies a service rule by the request's
// upstream cluster: here team-a/chat's backend.
func TestShowMatchesRulesAsTheGatewayDoes(t *testing.T) {
	tf, p := withConsoleFixture(t)
	b := strings.Replace(fileBytes(t, p), "  matchRules:\n", `  matchRules:
  - {ingress: [gpt-4o], domain: [chat.example.com], config: {allow: [legacy]}}
  - {domain: [CHAT.example.com], config: {allow: [legacy]}}
  - {service: [chat.team-a.svc.cluster.local:8000], config: {allow: [legacy]}}
`, 1)
	routes := `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: team-a}
spec: {ingressClassName: higress, rules: [{host: chat.example.com}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: chat, namespace: team-a}
spec:
  ingressClassName: higress
  rules:
  - http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: chat, port: {number: 8000}}}}]}
`
	for name, doc := range map[string]string{"key-auth.yaml": b, "routes.yaml": routes} {
		if err := os.WriteFile(filepath.Join(tf.Dir, name), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(tf, "show", "legacy", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var pol Policy
	if err := json.Unmarshal(tf.Stdout.Bytes(), &pol); err != nil {
		t.Fatal(err)
	}
	// gpt-4o: the first rule (route and domain) decides, legacy is in it. team-a/web on
	// chat.example.com: the route rule's domain does not count and CHAT.example.com does not match,
	// so no rule covers it and global_auth false lets anyone in. team-a/chat: the service rule.
	want := Access{Routes: []string{"gpt-4o", "team-a/chat"}, OpenRoutes: []string{"team-a/locked", "team-a/web", "team-b/locked"}, Domains: []string{"CHAT.example.com", "ai.example.com"}}
	if !reflect.DeepEqual(pol.Access, want) {
		t.Fatalf("access: %+v", pol.Access)
	}
}
