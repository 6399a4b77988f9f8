package commands

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/commands/cmdtest"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

var examples = filepath.Join("..", "..", "examples", "gitops")

// gitops is a factory on a copy of the example folder: key-auth.internal (alice, legacy; rules for
// gpt-4o, the domain ai.example.com and a disabled two-route rule) and two Ingresses.
func gitops(t *testing.T) *cmdtest.Factory {
	t.Helper()
	tf := cmdtest.New(t)
	tf.CopyFiles(t, examples, "key-auth.yaml", "routes.yaml")
	return tf
}

const blockPlugin = `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata: {name: words, namespace: higress-system, labels: {higress.io/wasm-plugin-name: request-block}}
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/request-block:2.0.0
  defaultConfig: {block_bodys: [password, secret], block_bodies: [password, secret], case_sensitive: false}
  matchRules:
  - ingress: [gpt-4o]
    config: {block_bodys: [password, project-x], block_bodies: [password, project-x], case_sensitive: false}
`

// run runs the whole command line on tf and returns the exit code.
func run(tf *cmdtest.Factory, args ...string) int {
	tf.Stdout.Reset()
	tf.Stderr.Reset()
	return Run(tf.Factory, append(args, "--dir", tf.Dir))
}

func mustRun(t *testing.T, tf *cmdtest.Factory, args ...string) {
	t.Helper()
	if code := run(tf, args...); code != 0 {
		t.Fatalf("%s: exit %d\nstderr: %s", strings.Join(args, " "), code, tf.Stderr)
	}
}

func TestMutationsPrintData(t *testing.T) {
	t.Parallel()
	tf := gitops(t)
	mustRun(t, tf, "consumer", "add", "carol", "-o", "json")
	var out map[string]any
	if err := json.Unmarshal(tf.Stdout.Bytes(), &out); err != nil {
		t.Fatalf("%v: %s", err, tf.Stdout)
	}
	key, _ := out["key"].(string)
	if out["name"] != "carol" || !strings.HasPrefix(key, "hai_") || len(key) < 40 || out["plugin"] != "higress-system/key-auth.internal" {
		t.Fatalf("consumer add -o json: %v", out)
	}
	if !strings.Contains(tf.Stderr.String(), "wasmplugin.extensions.higress.io/key-auth.internal configured") {
		t.Fatalf("no status line: %s", tf.Stderr)
	}
	mustRun(t, tf, "consumer", "add", "dave", "-o", "name")
	if tf.Stdout.String() != "consumer/dave\n" {
		t.Fatalf("-o name: %q", tf.Stdout)
	}
	mustRun(t, tf, "route", "bind", "gpt-4o", "-c", "carol", "-o", "name")
	if tf.Stdout.String() != "route/gpt-4o\n" {
		t.Fatalf("route bind -o name: %q", tf.Stdout)
	}
	mustRun(t, tf, "route", "bind", "gpt-4o", "-c", "dave", "-o", "json")
	var bound map[string]any
	if err := json.Unmarshal(tf.Stdout.Bytes(), &bound); err != nil || !reflect.DeepEqual(bound["allow"], []any{"alice", "carol", "dave"}) {
		t.Fatalf("route bind -o json: %v %s", err, tf.Stdout)
	}
	// A key from a file is stored, and only shown masked.
	tf.WriteFile(t, "key.txt", "my-own-key-0123456789\n")
	mustRun(t, tf, "consumer", "add", "erin", "--key-file", filepath.Join(tf.Dir, "key.txt"), "-o", "json")
	if strings.Contains(tf.Stdout.String(), "my-own-key-0123456789") || !strings.Contains(tf.Stdout.String(), `"key": "my-****6789"`) {
		t.Fatalf("a given key is printed: %s", tf.Stdout)
	}
	tf.Environ["FRANK_KEY"] = "frank-key-from-env-0001"
	mustRun(t, tf, "consumer", "add", "frank", "--key-env", "FRANK_KEY")
	if tf.Stdout.Len() != 0 || !strings.Contains(tf.ReadFile(t, "key-auth.yaml"), "Bearer frank-key-from-env-0001") {
		t.Fatalf("--key-env: stdout %q", tf.Stdout)
	}
	if code := run(tf, "consumer", "add", "gina", "--key-env", "UNSET"); code != 1 || !strings.Contains(tf.Stderr.String(), "--key-env: $UNSET is unset or empty") {
		t.Fatalf("exit %d: %s", code, tf.Stderr)
	}
}

func TestDryRunYAMLIsTheResultingWasmPluginMasked(t *testing.T) {
	t.Parallel()
	tf := gitops(t)
	before := tf.ReadFile(t, "key-auth.yaml")
	mustRun(t, tf, "consumer", "add", "carol", "--dry-run=client", "-o", "yaml")
	var obj map[string]any
	if err := yaml.Unmarshal(tf.Stdout.Bytes(), &obj); err != nil {
		t.Fatal(err)
	}
	if obj["kind"] != "WasmPlugin" || !strings.Contains(tf.Stdout.String(), "name: carol") {
		t.Fatalf("not the WasmPlugin:\n%s", tf.Stdout)
	}
	if strings.Contains(tf.Stdout.String(), "existingAliceKey") || !strings.Contains(tf.Stdout.String(), "Bearer hai_****0000") {
		t.Fatalf("keys not masked:\n%s", tf.Stdout)
	}
	if !strings.Contains(tf.Stderr.String(), "configured (client dry run)") || tf.ReadFile(t, "key-auth.yaml") != before {
		t.Fatalf("dry run wrote or said nothing: %s", tf.Stderr)
	}
	mustRun(t, tf, "consumer", "add", "carol", "--dry-run", "-o", "json", "--show-secrets")
	if !strings.Contains(tf.Stdout.String(), "Bearer hai_existingAliceKey000000000000") {
		t.Fatalf("--show-secrets: %s", tf.Stdout)
	}
}

func TestListsTakeJSONPathAndNoHeaders(t *testing.T) {
	t.Parallel()
	tf := gitops(t)
	tf.WriteFile(t, "block.yaml", blockPlugin)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"consumer", "list", "-o", "jsonpath={.items[*].name}"}, "alice legacy\n"},
		{[]string{"route", "list", "-o", "jsonpath={.items[0].route}"}, "gpt-4o\n"},
		{[]string{"block", "list", "-o", "jsonpath={.items[*].word}"}, "password secret password project-x\n"},
		{[]string{"consumer", "show", "alice", "-o", "jsonpath={.access.routes}"}, `["gpt-4o","team-a/deepseek"]` + "\n"},
		{[]string{"block", "list", "-o", "name"}, "word/password\nword/secret\nword/password\nword/project-x\n"},
	}
	for _, tc := range cases {
		mustRun(t, tf, tc.args...)
		if tf.Stdout.String() != tc.want {
			t.Errorf("%s: %q, want %q", strings.Join(tc.args, " "), tf.Stdout, tc.want)
		}
	}
	for _, list := range [][]string{{"consumer", "list"}, {"route", "list"}, {"block", "list"}} {
		mustRun(t, tf, append(list, "--no-headers")...)
		first := strings.SplitN(tf.Stdout.String(), "\n", 2)[0]
		if first == "" || first == strings.ToUpper(first) {
			t.Errorf("%v --no-headers printed a header: %q", list, first)
		}
	}
	if code := run(tf, "consumer", "list", "-o", "jsonpath="); code != 1 || !strings.Contains(tf.Stderr.String(), "jsonpath needs a template") {
		t.Fatalf("empty template: exit %d %s", code, tf.Stderr)
	}
}

func TestEmptyListsAreEmptyArrays(t *testing.T) {
	t.Parallel()
	tf := cmdtest.New(t)
	for _, list := range [][]string{{"consumer", "list"}, {"route", "list"}, {"block", "list"}} {
		mustRun(t, tf, append(list, "-o", "json")...)
		if strings.TrimSpace(tf.Stdout.String()) != "[]" {
			t.Errorf("%v -o json: %q", list, tf.Stdout)
		}
	}
}

func TestTablesFitTheTerminal(t *testing.T) {
	t.Parallel()
	tf := gitops(t)
	tf.IO.SetTTY(true)
	tf.IO.Width = 60
	mustRun(t, tf, "consumer", "list", "-o", "wide")
	lines := strings.Split(strings.TrimSpace(tf.Stdout.String()), "\n")
	for _, l := range lines {
		if n := len([]rune(l)); n > 60 {
			t.Fatalf("line of %d columns on a 60-column terminal: %q", n, l)
		}
	}
	if len(lines) != 3 || !strings.Contains(tf.Stdout.String(), "…") {
		t.Fatalf("fitted table:\n%s", tf.Stdout)
	}
	// Off a terminal nothing is cut: scripts get stable columns.
	tf.IO.SetTTY(false)
	mustRun(t, tf, "consumer", "list", "-o", "wide")
	if strings.Contains(tf.Stdout.String(), "…") || !strings.Contains(tf.Stdout.String(), "higress-system/key-auth.internal") {
		t.Fatalf("plain table:\n%s", tf.Stdout)
	}
}

func TestBlockTestExitCode(t *testing.T) {
	t.Parallel()
	tf := gitops(t)
	tf.WriteFile(t, "block.yaml", blockPlugin)
	cases := []struct {
		args []string
		want int
	}{
		{[]string{"block", "test", "the PASSWORD is", "--exit-code"}, cmdutil.ExitFound},
		{[]string{"block", "test", "hello", "--exit-code"}, cmdutil.ExitNothingFound},
		{[]string{"block", "test", "hello", "--exit-code", "--route", "nope"}, cmdutil.ExitCheckError},
		{[]string{"block", "test", "the PASSWORD is"}, cmdutil.ExitOK}, // without --exit-code a verdict is no failure
	}
	for _, tc := range cases {
		if code := run(tf, tc.args...); code != tc.want {
			t.Errorf("%s: exit %d, want %d (stderr %s)", strings.Join(tc.args, " "), code, tc.want, tf.Stderr)
		}
	}
}

func TestGapsAUserHits(t *testing.T) {
	t.Parallel()
	t.Run("route auth on and off", func(t *testing.T) {
		t.Parallel()
		tf := gitops(t)
		if code := run(tf, "route", "auth", "on"); code != cmdutil.ExitCancel || !strings.Contains(tf.Stderr.String(), "pass --yes") {
			t.Fatalf("off a terminal without --yes: exit %d %s", code, tf.Stderr)
		}
		mustRun(t, tf, "route", "auth", "on", "--yes")
		if !strings.Contains(tf.ReadFile(t, "key-auth.yaml"), "global_auth: true") {
			t.Fatal("global_auth not written")
		}
		mustRun(t, tf, "route", "list", "-o", "jsonpath={.items[?(@.route==\"team-a/locked\")].auth}")
		if tf.Stdout.String() != "global\n" {
			t.Fatalf("a route with no rule after auth on: %q", tf.Stdout)
		}
		mustRun(t, tf, "route", "auth", "off")
		if !strings.Contains(tf.ReadFile(t, "key-auth.yaml"), "global_auth: false") {
			t.Fatal("global_auth not turned off")
		}
	})
	t.Run("bind and unbind a domain", func(t *testing.T) {
		t.Parallel()
		tf := gitops(t)
		mustRun(t, tf, "route", "bind", "--domain", "new.example.com", "-c", "alice")
		if !strings.Contains(tf.ReadFile(t, "key-auth.yaml"), "new.example.com") {
			t.Fatal("no domain rule")
		}
		mustRun(t, tf, "route", "unbind", "--domain", "ai.example.com", "-c", "legacy")
		if code := run(tf, "route", "bind", "gpt-4o", "--domain", "x", "-c", "alice"); code != 1 {
			t.Fatalf("ROUTE and --domain: exit %d", code)
		}
	})
	t.Run("delete a mistyped route's rule", func(t *testing.T) {
		t.Parallel()
		tf := gitops(t)
		before := tf.ReadFile(t, "key-auth.yaml")
		mustRun(t, tf, "route", "bind", "gtp-4o", "-c", "alice", "--any-route")
		mustRun(t, tf, "route", "delete-rule", "gtp-4o", "--yes")
		var a, b any
		_ = yaml.Unmarshal([]byte(before), &a)
		_ = yaml.Unmarshal([]byte(tf.ReadFile(t, "key-auth.yaml")), &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("the rule is still there:\n%s", tf.ReadFile(t, "key-auth.yaml"))
		}
		if code := run(tf, "route", "delete-rule", "gtp-4o", "--yes"); code != 1 || !strings.Contains(tf.Stderr.String(), "has no key-auth or request-block rule of its own") {
			t.Fatalf("twice: exit %d %s", code, tf.Stderr)
		}
	})
	t.Run("block remove several, everywhere, says where still blocked", func(t *testing.T) {
		t.Parallel()
		tf := gitops(t)
		tf.WriteFile(t, "block.yaml", blockPlugin)
		mustRun(t, tf, "block", "remove", "password", "secret")
		if !strings.Contains(tf.Stderr.String(), `note: "password" is still blocked in body by route gpt-4o`) {
			t.Fatalf("stderr: %s", tf.Stderr)
		}
		mustRun(t, tf, "block", "add", "password")
		mustRun(t, tf, "block", "remove", "password", "--everywhere", "-o", "json")
		if strings.Contains(tf.ReadFile(t, "block.yaml"), "password") || strings.Contains(tf.Stderr.String(), "still blocked") {
			t.Fatalf("--everywhere left it:\n%s\n%s", tf.ReadFile(t, "block.yaml"), tf.Stderr)
		}
	})
	t.Run("another case is already blocked when case-insensitive", func(t *testing.T) {
		t.Parallel()
		tf := gitops(t)
		tf.WriteFile(t, "block.yaml", blockPlugin)
		before := tf.ReadFile(t, "block.yaml")
		mustRun(t, tf, "block", "add", "PASSWORD")
		if !strings.Contains(tf.Stderr.String(), `already blocked in body (global): "PASSWORD"`) || tf.ReadFile(t, "block.yaml") != before {
			t.Fatalf("stderr: %s", tf.Stderr)
		}
	})
	t.Run("did you mean", func(t *testing.T) {
		t.Parallel()
		tf := gitops(t)
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"consumer", "show", "alcie"}, `(did you mean "alice"?)`},
			{[]string{"consumer", "remove", "legasy", "--yes"}, `(did you mean "legacy"?)`},
			{[]string{"route", "bind", "gpt-4", "-c", "alice"}, `(did you mean "gpt-4o"?)`},
			{[]string{"route", "bind", "gpt-4o", "-c", "alise"}, `(did you mean "alice"?)`},
		} {
			if code := run(tf, tc.args...); code != 1 || !strings.Contains(tf.Stderr.String(), tc.want) {
				t.Errorf("%v: exit %d %s", tc.args, code, tf.Stderr)
			}
		}
	})
	t.Run("a consumer added where every route is open is told so", func(t *testing.T) {
		t.Parallel()
		tf := cmdtest.New(t)
		mustRun(t, tf, "consumer", "add", "alice")
		if !strings.Contains(tf.Stderr.String(), "every route stays open to anyone: bind this consumer (higress-ai route bind ROUTE --consumer alice)") {
			t.Fatalf("stderr: %s", tf.Stderr)
		}
		tf2 := gitops(t)
		mustRun(t, tf2, "consumer", "add", "bob")
		if strings.Contains(tf2.Stderr.String(), "stays open") {
			t.Fatalf("rules exist, yet: %s", tf2.Stderr)
		}
	})
	t.Run("HIGRESS_AI_DIR is the default folder", func(t *testing.T) {
		t.Parallel()
		tf := gitops(t)
		tf.Environ[cmdutil.EnvDir] = tf.Dir
		tf.Flags.Dir = ""
		if code := Run(tf.Factory, []string{"consumer", "list", "-o", "name"}); code != 0 || tf.Stdout.String() != "consumer/alice\nconsumer/legacy\n" {
			t.Fatalf("exit %d stdout %q stderr %s", code, tf.Stdout, tf.Stderr)
		}
	})
}

func TestConfirmations(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		tty      bool
		answer   string
		args     []string
		wantCode int
		removed  bool
		stderr   string
	}{
		{"off a terminal, no --yes", false, "", []string{"consumer", "remove", "legacy", "--force"}, 2, false, "pass --yes to do it"},
		{"off a terminal, --yes", false, "", []string{"consumer", "remove", "legacy", "--force", "--yes"}, 0, true, `removed "legacy" from the allow list of domain ai.example.com`},
		{"on a terminal, no", true, "n\n", []string{"consumer", "remove", "legacy", "--force"}, 2, false, "Its keys stop working at once"},
		{"on a terminal, yes", true, "y\n", []string{"consumer", "remove", "legacy", "--force"}, 0, true, "configured"},
		{"dry run never asks, says would", false, "", []string{"consumer", "remove", "legacy", "--force", "--dry-run"}, 0, false, `would remove "legacy" from the allow list`},
		{"last consumer off a terminal", false, "", []string{"route", "unbind", "gpt-4o", "-c", "alice"}, 2, false, "leaves route gpt-4o with allow: []"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tf := gitops(t)
			tf.IO.SetTTY(tc.tty)
			tf.Stdin.WriteString(tc.answer)
			code := run(tf, tc.args...)
			if code != tc.wantCode || !strings.Contains(tf.Stderr.String(), tc.stderr) {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.wantCode, tf.Stderr)
			}
			if gone := !strings.Contains(tf.ReadFile(t, "key-auth.yaml"), "name: legacy"); gone != tc.removed {
				t.Fatalf("removed = %v, want %v", gone, tc.removed)
			}
		})
	}
}
