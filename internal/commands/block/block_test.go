package block

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/requestblock"
)

func run(tf *cmdutil.TestFactory, args ...string) error {
	return tf.Run(NewCmdBlock(tf.Factory), args...)
}

func mustRun(t *testing.T, tf *cmdutil.TestFactory, args ...string) {
	t.Helper()
	if err := run(tf, args...); err != nil {
		t.Fatalf("block %s: %v\nstderr: %s", strings.Join(args, " "), err, tf.Stderr)
	}
}

// spec reads the spec of the only WasmPlugin document in a file.
func spec(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, _, _ := strings.Cut(stripComments(string(b)), "\n---")
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	return m["spec"].(map[string]any)
}

func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func withConsoleFixture(t *testing.T) (*cmdutil.TestFactory, string) {
	t.Helper()
	tf := cmdutil.NewTestFactory(t)
	b, err := os.ReadFile("testdata/console-request-block.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(tf.Dir, "security.yaml")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return tf, p
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFlagParsing(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, o any)
	}{
		{name: "add defaults", args: []string{"add", "password"}, check: func(t *testing.T, o any) {
			a := o.(*AddOptions)
			if !reflect.DeepEqual(a.Words, []string{"password"}) || a.Match.In != "body" || a.CaseSensitive != nil || a.DryRun != "none" {
				t.Fatalf("%+v", a)
			}
		}},
		{name: "add case sensitive false explicitly", args: []string{"add", "a", "b", "--case-sensitive=false"}, check: func(t *testing.T, o any) {
			a := o.(*AddOptions)
			if a.CaseSensitive == nil || *a.CaseSensitive || len(a.Words) != 2 {
				t.Fatalf("%+v", a)
			}
		}},
		{name: "add no word", args: []string{"add"}, wantErr: "requires at least 1 arg"},
		{name: "add route anywhere", args: []string{"add", "x", "--route", "future", "--any-route"}, check: func(t *testing.T, o any) {
			a := o.(*AddOptions)
			if a.Match.Route != "future" || !a.Match.AnyRoute {
				t.Fatalf("%+v", a)
			}
		}},
		{name: "add empty route", args: []string{"add", "x", "--route="}, wantErr: "empty route name"},
		{name: "remove empty domain", args: []string{"remove", "x", "--domain="}, wantErr: "empty domain name"},
		{name: "test empty route", args: []string{"test", "x", "--route="}, wantErr: "empty route name"},
		{name: "test any route", args: []string{"test", "x", "--route", "r", "--any-route"}, check: func(t *testing.T, o any) {
			if to := o.(*TestOptions); !to.AnyRoute || to.Route != "r" {
				t.Fatalf("%+v", to)
			}
		}},
		{name: "remove two words", args: []string{"remove", "a", "b"}, wantErr: "accepts 1 arg"},
		{name: "test no input", args: []string{"test"}, wantErr: "give the request to test"},
		{name: "test text and file", args: []string{"test", "x", "--file", "f"}, wantErr: "not several"},
		{name: "test raw with stdin", args: []string{"test", "-", "--raw"}, wantErr: "--raw applies to TEXT only"},
		{name: "test bad header", args: []string{"test", "x", "-H", "novalue"}, wantErr: `invalid --header "novalue"`},
		{name: "test bad path", args: []string{"test", "x", "--path", "v1"}, wantErr: "must start with /"},
		{name: "test route and domain", args: []string{"test", "x", "--route", "r", "--domain", "d"}, wantErr: "not both"},
		{name: "test options", args: []string{"test", "hi", "-H", "X-A: b", "--route", "gpt-4o", "--model", "m"}, check: func(t *testing.T, o any) {
			to := o.(*TestOptions)
			if to.Text != "hi" || to.Route != "gpt-4o" || to.Model != "m" || to.Path != "/v1/chat/completions" || !reflect.DeepEqual(to.Headers, []string{"X-A: b"}) {
				t.Fatalf("%+v", to)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			var got any
			root := NewCmdBlock(tf.Factory)
			root.RemoveCommand(root.Commands()...)
			root.AddCommand(
				NewCmdAdd(tf.Factory, func(o *AddOptions) error { got = o; return nil }),
				NewCmdRemove(tf.Factory, func(o *RemoveOptions) error { got = o; return nil }),
				NewCmdTest(tf.Factory, func(o *TestOptions) error { got = o; return nil }),
			)
			err := tf.Run(root, tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
		})
	}
}

func TestAddCreatesThePluginAsTheConsoleWould(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	mustRun(t, tf, "add", "password", "api_key")
	if !strings.Contains(tf.Stderr.String(), "request-block-2.0.0 created") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	p := filepath.Join(tf.Dir, "request-block-2.0.0.yaml")
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(read(t, p)), &obj); err != nil {
		t.Fatal(err)
	}
	labels := obj["metadata"].(map[string]any)["labels"].(map[string]any)
	if labels["higress.io/wasm-plugin-name"] != "request-block" || labels["higress.io/wasm-plugin-built-in"] != "true" {
		t.Fatalf("labels: %v", labels)
	}
	s := obj["spec"].(map[string]any)
	if s["phase"] != "AUTHZ" || s["priority"] != float64(320) || !strings.HasSuffix(s["url"].(string), "/request-block:2.0.0") {
		t.Fatalf("spec: %v", s)
	}
	cfg := s["defaultConfig"].(map[string]any)
	if !reflect.DeepEqual(cfg["block_bodies"], []any{"password", "api_key"}) || cfg["case_sensitive"] != false {
		t.Fatalf("defaultConfig: %v", cfg)
	}
}

func TestAddExistingWordIsANoOpThatSaysSo(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	mustRun(t, tf, "add", "password")
	p := filepath.Join(tf.Dir, "request-block-2.0.0.yaml")
	before := read(t, p)
	mustRun(t, tf, "add", "password")
	if !strings.Contains(tf.Stderr.String(), `already blocked in body (global): "password"`) || !strings.Contains(tf.Stderr.String(), "nothing changed") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	if read(t, p) != before {
		t.Fatal("a no-op add rewrote the file")
	}
}

func TestBadInputWritesNothing(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"empty word", []string{"add", " "}, "empty word"},
		{"invalid regex", []string{"add", "x(", "--in", "url", "--regex"}, `invalid regex "x("`},
		{"exact outside url", []string{"add", "x", "--exact"}, "--in url only"},
		{"exact and regex", []string{"add", "x", "--in", "url", "--exact", "--regex"}, "cannot be used together"},
		{"unknown place", []string{"add", "x", "--in", "cookie"}, `invalid --in "cookie"`},
		{"route and domain", []string{"add", "x", "--route", "a", "--domain", "b"}, "not both"},
		{"second word bad", []string{"add", "good", ""}, "empty word"},
		{"remove absent", []string{"remove", "Password", "--in", "header"}, `"Password" is not blocked in header (global)`},
		{"remove unknown route", []string{"remove", "x", "--route", "nope"}, `"x" is not blocked in body (route nope)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf, p := withConsoleFixture(t)
			before := read(t, p)
			err := run(tf, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			if read(t, p) != before {
				t.Fatal("the file changed")
			}
			entries, _ := os.ReadDir(tf.Dir)
			if len(entries) != 1 {
				t.Fatalf("files written: %v", entries)
			}
		})
	}
}

func TestConsolePluginKeepsWhatTheToolDoesNotKnow(t *testing.T) {
	tf, p := withConsoleFixture(t)
	mustRun(t, tf, "add", "secret")
	got := spec(t, p)
	cfg := got["defaultConfig"].(map[string]any)
	want := map[string]any{
		// Both spellings, as the config had block_bodys: plugin.cc parsePluginConfig reads
		// block_bodies beside block_bodys since v2.0.5 (block_bodys only before), main.go
		// block_bodies only.
		"block_bodies":    []any{"Password", "secret"},
		"block_bodys":     []any{"Password", "secret"},
		"blocked_code":    float64(451),
		"blocked_message": "blocked by policy",
		"x_console_note":  "kept",
		// Unset before: the built-in plugin then matched case-sensitively; written explicitly now.
		"case_sensitive": true,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("defaultConfig = %v\nwant %v", cfg, want)
	}
	if !strings.Contains(tf.Stderr.String(), "case_sensitive was not set; wrote true") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	fixture := spec(t, "testdata/console-request-block.yaml")
	if !reflect.DeepEqual(got["matchRules"], fixture["matchRules"]) {
		t.Fatalf("match rules changed:\n%v\nwas %v", got["matchRules"], fixture["matchRules"])
	}
	if !strings.Contains(read(t, p), "data: {note: \"untouched\"}   # a comment that must survive") {
		t.Fatalf("the neighbouring document changed:\n%s", read(t, p))
	}
	// Global words do not reach routes and domains with rules of their own: the user is told.
	if !strings.Contains(tf.Stderr.String(), "do not get global words: domain ai.example.com; route gpt-4o, deepseek;") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
}

func TestRouteScopeTouchesOnlyItsOwnRule(t *testing.T) {
	tf, p := withConsoleFixture(t)
	before := spec(t, p)["matchRules"].([]any)
	// gpt-4o shares a rule with deepseek: a rule of its own goes first, so Higress picks it.
	mustRun(t, tf, "add", "project-x", "--route", "gpt-4o")
	rules := spec(t, p)["matchRules"].([]any)
	if len(rules) != 3 {
		t.Fatalf("rules: %v", rules)
	}
	own := rules[1].(map[string]any)
	if !reflect.DeepEqual(own["ingress"], []any{"gpt-4o"}) {
		t.Fatalf("new rule at the wrong place or shape: %v", rules)
	}
	// It starts from the config that governed gpt-4o (the shared rule, not the global config), as
	// the route stops getting that rule's words.
	want := map[string]any{"block_headers": []any{"x-debug"}, "block_bodies": []any{"project-x"}, "block_bodys": []any{"project-x"}, "case_sensitive": false}
	if !reflect.DeepEqual(own["config"], want) {
		t.Fatalf("new rule config: %v", own["config"])
	}
	if !strings.Contains(tf.Stderr.String(), "starts from the words of the config in force there (route gpt-4o, deepseek)") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	if !reflect.DeepEqual(rules[0], before[0]) || !reflect.DeepEqual(rules[2], before[1]) {
		t.Fatalf("other rules changed: %v", rules)
	}
	// The domain rule can be edited the same way; removing its last word removes the rule.
	mustRun(t, tf, "remove", "internal-only", "--domain", "ai.example.com")
	rules = spec(t, p)["matchRules"].([]any)
	if len(rules) != 2 || !reflect.DeepEqual(rules[1], before[1]) {
		t.Fatalf("after remove: %v", rules)
	}
	if !strings.Contains(tf.Stderr.String(), "the rule for domain ai.example.com has no words left: removed it") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
}

func TestRemoveLastGlobalWordDisablesTheGlobalConfig(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	mustRun(t, tf, "add", "password")
	mustRun(t, tf, "remove", "password")
	s := spec(t, filepath.Join(tf.Dir, "request-block-2.0.0.yaml"))
	if s["defaultConfigDisable"] != true {
		t.Fatalf("spec: %v", s)
	}
	// Adding a word again turns it back on.
	mustRun(t, tf, "add", "token")
	s = spec(t, filepath.Join(tf.Dir, "request-block-2.0.0.yaml"))
	if s["defaultConfigDisable"] != false {
		t.Fatalf("spec: %v", s)
	}
}

func TestDryRunPrintsTheDiffAndWritesNothing(t *testing.T) {
	tf, p := withConsoleFixture(t)
	before := read(t, p)
	mustRun(t, tf, "add", "secret", "--dry-run")
	if read(t, p) != before {
		t.Fatal("dry run wrote")
	}
	if !strings.Contains(tf.Stdout.String(), "+    - secret") {
		t.Fatalf("diff: %s", tf.Stdout)
	}
}

func TestList(t *testing.T) {
	tf, _ := withConsoleFixture(t)
	for _, tty := range []bool{false, true} {
		tf.IO.SetTTY(tty)
		mustRun(t, tf, "list")
		want := []string{
			`WORD              IN       SCOPE                    CASE`,
			`"Password"        body     global                   sensitive`,
			`"internal-only"   body     domain ai.example.com    insensitive`,
			`"x-debug"         header   route gpt-4o, deepseek   insensitive`,
		}
		if got := strings.Split(strings.TrimSpace(tf.Stdout.String()), "\n"); !reflect.DeepEqual(trimAll(got), want) {
			t.Fatalf("tty=%v:\n%s", tty, tf.Stdout)
		}
	}
	tf.Flags.Output = "json"
	if err := tf.Run(NewCmdBlock(tf.Factory), "list", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var got []Entry
	if err := json.Unmarshal(tf.Stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2] != (Entry{Word: "x-debug", In: "header", Scope: "route gpt-4o, deepseek", CaseSensitive: false, Enabled: true}) {
		t.Fatalf("json: %+v", got)
	}
}

func trimAll(lines []string) []string {
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return lines
}

func TestListWithoutPlugin(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	mustRun(t, tf, "list", "-o", "json")
	if strings.TrimSpace(tf.Stdout.String()) != "[]" || !strings.Contains(tf.Stderr.String(), "block add creates one") {
		t.Fatalf("stdout %q stderr %q", tf.Stdout, tf.Stderr)
	}
}

func testJSON(t *testing.T, tf *cmdutil.TestFactory, args ...string) TestResult {
	t.Helper()
	mustRun(t, tf, append([]string{"test", "-o", "json"}, args...)...)
	var r TestResult
	if err := json.Unmarshal(tf.Stdout.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, tf.Stdout)
	}
	return r
}

func TestTestEvaluatesAsTheGatewayWould(t *testing.T) {
	tf, p := withConsoleFixture(t)
	mustRun(t, tf, "add", "secret")
	_ = p

	// Global config: case-sensitive (written explicitly above), so "password" in lower case passes
	// and the user is warned.
	r := testJSON(t, tf, "what is the password")
	if r.Blocked || r.Scope != "global" || !hasWarning(r, `contains "Password" in another case`) {
		t.Fatalf("%+v", r)
	}
	r = testJSON(t, tf, "what is the Password")
	if !r.Blocked || r.Rule.Text != "Password" || r.Code != 451 || r.Message != "blocked by policy" {
		t.Fatalf("%+v", r)
	}
	// A JSON-escaped spelling in the raw body is not matched: warned.
	r = testJSON(t, tf, `{"messages":[{"role":"user","content":"my \u0073ecret"}]}`, "--raw")
	if r.Blocked || !hasWarning(r, `spells "secret" with JSON escapes`) {
		t.Fatalf("%+v", r)
	}
	// On a route with its own rule, that rule applies instead of the global one.
	r = testJSON(t, tf, "Password", "--route", "deepseek")
	if r.Blocked || r.Scope != "route gpt-4o, deepseek" {
		t.Fatalf("%+v", r)
	}
	r = testJSON(t, tf, "hello", "--route", "deepseek", "-H", "X-Debug: 1")
	if !r.Blocked || r.Rule.In != "header" || r.Code != 403 {
		t.Fatalf("%+v", r)
	}
	// The domain's rule lists its word under block_bodies only, as the console writes it: the
	// built-in (C++) plugin reads block_bodies since v2.0.5 (plugin.cc parsePluginConfig,
	// "compatiable"), so it is in force there, case-insensitively as the rule says.
	r = testJSON(t, tf, "INTERNAL-ONLY data", "--domain", "ai.example.com")
	if !r.Blocked || r.Build != requestblock.CPP || r.Rule.Text != "internal-only" || len(r.Warnings) != 0 {
		t.Fatalf("%+v", r)
	}
	mustRun(t, tf, "add", "internal-only", "--domain", "ai.example.com")
	if !strings.Contains(tf.Stderr.String(), "nothing changed") {
		t.Fatalf("stderr: %s", tf.Stderr)
	}
	// A route without a rule gets the global config; one nothing names needs --any-route.
	if err := run(tf, "test", "Password", "--route", "other"); err == nil || !strings.Contains(err.Error(), `unknown route "other"`) {
		t.Fatalf("err = %v", err)
	}
	r = testJSON(t, tf, "Password", "--route", "other", "--any-route")
	if !r.Blocked || r.Scope != "global" {
		t.Fatalf("%+v", r)
	}
}

func hasWarning(r TestResult, s string) bool {
	for _, w := range r.Warnings {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}

func TestTestInputsAndHumanOutput(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	mustRun(t, tf, "add", "password")
	mustRun(t, tf, "add", "/admin", "--in", "url")

	mustRun(t, tf, "test", "the PASSWORD is")
	if got := tf.Stdout.String(); got != "blocked: body matches \"password\" (global, C++ build); the client gets HTTP 403\n" {
		t.Fatalf("stdout %q", got)
	}
	mustRun(t, tf, "test", "hello", "--path", "/v1/chat/completions?x=/ADMIN")
	if !strings.Contains(tf.Stdout.String(), `blocked: url matches "/admin"`) {
		t.Fatalf("stdout %q", tf.Stdout)
	}
	body := filepath.Join(t.TempDir(), "req.json")
	if err := os.WriteFile(body, []byte(`{"prompt":"reset my password"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, tf, "test", "--file", body)
	if !strings.HasPrefix(tf.Stdout.String(), "blocked:") {
		t.Fatalf("stdout %q", tf.Stdout)
	}
	tf.Stdin.WriteString(`{"prompt":"hello"}`)
	mustRun(t, tf, "test", "-")
	if tf.Stdout.String() != "allowed: no rule matches (global, C++ build)\n" {
		t.Fatalf("stdout %q", tf.Stdout)
	}
	if err := run(tf, "test", "--file", filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "cannot read --file") {
		t.Fatalf("err = %v", err)
	}
}

func TestTestWithoutPluginOrWithDisabledConfig(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	r := testJSON(t, tf, "password")
	if r.Blocked || r.Applied || !hasWarning(r, "no request-block wasmplugin") {
		t.Fatalf("%+v", r)
	}
	mustRun(t, tf, "add", "password")
	mustRun(t, tf, "add", "x", "--route", "r1", "--any-route")
	mustRun(t, tf, "remove", "password")
	r = testJSON(t, tf, "password")
	if r.Blocked || r.Applied || !hasWarning(r, "global config is disabled") {
		t.Fatalf("%+v", r)
	}
	// The route's rule was seeded with "password" before it was removed globally.
	r = testJSON(t, tf, "password", "--route", "r1")
	if !r.Blocked || r.Scope != "route r1" {
		t.Fatalf("%+v", r)
	}
}
