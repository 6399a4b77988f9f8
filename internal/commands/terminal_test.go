package commands

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

// What a hostile or careless author can put in a folder or a log, and what must never reach the
// terminal raw: ESC (clear screen, OSC window title), BEL, C1 CSI and a bidi override.
const (
	evilConsumer = "\x1b[2J\x1b[Hmallory\u202e"
	evilRoute    = "team-a/r\x1b]0;pwned\x07"
	evilWord     = "secret\u009b31m"
	evilDomain   = "api.\u202eexample.com"
)

// rawControls reports what the escaped output must not hold.
func rawControls(s string) bool { return strings.ContainsAny(s, "\x1b\x07\u009b\u202e") }

func hostileFolder(t *testing.T) *cmdutil.TestFactory {
	t.Helper()
	tf := cmdutil.NewTestFactory(t)
	q := strconv.QuoteToASCII // YAML's double-quoted strings read Go's escapes
	put(t, tf.Dir, "someone-else.yaml", plainHead+`metadata:
  name: key-auth.internal
  namespace: higress-system
  labels: {higress.io/wasm-plugin-name: key-auth}
spec:
  defaultConfig:
    global_auth: false
    consumers:
    - name: `+q(evilConsumer)+`
      credentials: ["Bearer hai_malloryKey0123456789abc"]
      keys: [Authorization]
      in_header: true
      in_query: false
  matchRules:
  - ingress: [`+q(evilRoute)+`]
    config: {allow: [`+q(evilConsumer)+`]}
---
`+plainHead+`metadata:
  name: request-block-2.0.0
  namespace: higress-system
  labels: {higress.io/wasm-plugin-name: request-block}
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/request-block:2.0.0
  defaultConfig:
    block_bodies: [`+q(evilWord)+`]
    block_bodys: [`+q(evilWord)+`]
  matchRules:
  - domain: [`+q(evilDomain)+`]
    config: {block_bodies: [x], block_bodys: [x]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: `+q("ing\x1b[31m")+`
  namespace: higress-system
spec:
  ingressClassName: higress
  rules: [{host: `+q("h\u202e.example.com")+`}]
`)
	return tf
}

func TestForeignNamesAreEscapedOnTheTerminal(t *testing.T) {
	aiLog, _ := json.Marshal(map[string]any{"consumer": evilConsumer, "model": "gpt\u202e-4o", "input_token": 10, "output_token": 5})
	line, _ := json.Marshal(map[string]any{"start_time": "2026-11-20T00:00:00Z", "response_code": "200", "route_name": evilRoute, "duration": "100", "ai_log": string(aiLog)})
	cases := []struct {
		args []string
		want string // the escaped spelling the user sees
	}{
		{[]string{"consumer", "list"}, `\x1b[2J\x1b[Hmallory\u202e`},
		{[]string{"consumer", "list", "-o", "wide"}, `\x1b[2J\x1b[Hmallory\u202e`},
		{[]string{"consumer", "list", "-o", "name"}, `\x1b[2J\x1b[Hmallory\u202e`},
		{[]string{"consumer", "list", "-o", "json"}, `\u001b[2J\u001b[Hmallory\u202e`},
		{[]string{"consumer", "show", evilConsumer}, `Consumer:     \x1b[2J\x1b[Hmallory\u202e`},
		{[]string{"consumer", "list", "-o", "yaml"}, `"\e[2J\e[Hmallory\u202e"`},
		{[]string{"route", "list"}, `team-a/r\x1b]0;pwned\x07`},
		{[]string{"route", "list", "-o", "yaml"}, `h\u202e.example.com`},
		{[]string{"route", "list", "-o", "name"}, `ing\x1b[31m`},
		{[]string{"route", "list", "-o", "json"}, `h\u202e.example.com`},
		{[]string{"block", "list"}, `secret\u009b31m`},
		{[]string{"doctor"}, `(route team-a/r\x1b]0;pwned\x07)`},
		{[]string{"block", "list", "-o", "json"}, `api.\u202eexample.com`},
		{[]string{"usage", "--by", "consumer,model,route", "--log-file", "LOG"}, `\x1b[2J\x1b[Hmallory\u202e`},
		{[]string{"usage", "--by", "model", "--log-file", "LOG", "-o", "csv"}, `gpt\u202e-4o`},
		{[]string{"usage", "--by", "route", "--log-file", "LOG", "-o", "json"}, `team-a/r\u001b]0;pwned\u0007`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			tf := hostileFolder(t)
			for i, a := range tc.args {
				if a == "LOG" {
					tc.args[i] = put(t, t.TempDir(), "access.log", string(line)+"\n")
				}
			}
			tf.IO.SetTTY(true)
			code := runCLI(t, tf, tc.args...)
			out := tf.Stdout.String() + tf.Stderr.String()
			if code != 0 {
				t.Fatalf("exit %d: %q", code, out)
			}
			if rawControls(out) {
				t.Fatalf("a control character reached the terminal raw:\n%q", out)
			}
			if !strings.Contains(out, tc.want) {
				t.Fatalf("output does not show %q:\n%s", tc.want, out)
			}
		})
	}
}

func TestEditsAndErrorsNameForeignTextEscaped(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	// The status line of an edit names the plugin, read from someone's file.
	put(t, tf.Dir, "auth.yaml", strings.Replace(keyAuthDoc(plainHead), "name: key-auth.internal", `name: "auth\e[2J"`, 1))
	if code := runCLI(t, tf, "consumer", "add", "alice"); code != 0 || rawControls(tf.Stderr.String()) || !strings.Contains(tf.Stderr.String(), `wasmplugin.extensions.higress.io/auth\x1b[2J configured`) {
		t.Fatalf("exit %d, stderr %q", code, tf.Stderr)
	}
	// An error names a file of the folder.
	put(t, tf.Dir, "bad\x1b[2J.yaml", plainHead+"metadata: [\n")
	code := runCLI(t, tf, "consumer", "list")
	if code != 1 || rawControls(tf.Stderr.String()) || !strings.Contains(tf.Stderr.String(), `bad\x1b[2J.yaml`) {
		t.Fatalf("exit %d, stderr %q", code, tf.Stderr)
	}
}

func TestNamesWithControlCharactersAreRefused(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"route", "bind", "r\x1b[2J", "--consumer", "bob", "--any-route"}, `error: invalid route name "r\x1b[2J": it holds a control or invisible character (U+001B)`},
		{[]string{"route", "unbind", "r\u202e", "--consumer", "bob"}, `error: invalid route name "r\u202e"`},
		{[]string{"block", "add", "w", "--route", "x\x1b]0;t\x07", "--any-route"}, `error: invalid route name "x\x1b]0;t\a"`},
		{[]string{"block", "add", "w", "--domain", "d\u009b.example.com"}, `error: invalid domain name "d\u009b.example.com"`},
		{[]string{"block", "remove", "w", "--domain", "d\n.example.com"}, `error: invalid domain name "d\n.example.com"`},
		{[]string{"block", "test", "hello", "--route", "r\x1b"}, `error: invalid route name "r\x1b"`},
		{[]string{"block", "add", "x-\x1b[2J", "--in", "header"}, `error: invalid word "x-\x1b[2J"`},
		{[]string{"block", "add", "/a\x00b", "--in", "url"}, `error: invalid word "/a\x00b"`},
		{[]string{"consumer", "add", "alice", "--plugin", "auth\x1b[2J"}, `error: invalid wasmplugin name "auth\x1b[2J"`},
		{[]string{"consumer", "list", "--plugin", "auth\u202e"}, `error: invalid wasmplugin name "auth\u202e"`},
		{[]string{"consumer", "add", "al\x1bice"}, `error: invalid consumer name "al\x1bice"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			put(t, tf.Dir, "key-auth.yaml", keyAuthDoc(plainHead))
			before := snapshot(t, tf.Dir)
			if code := runCLI(t, tf, tc.args...); code != 1 {
				t.Fatalf("exit %d, stderr %q", code, tf.Stderr)
			}
			oneLineError(t, tf.Stderr.String(), tc.want)
			if rawControls(tf.Stderr.String()) {
				t.Fatalf("the error prints the control raw: %q", tf.Stderr)
			}
			if after := snapshot(t, tf.Dir); after != before {
				t.Fatal("the folder was written")
			}
		})
	}
	// A body may hold any byte: such a word is accepted, and listed escaped.
	tf := cmdutil.NewTestFactory(t)
	if code := runCLI(t, tf, "block", "add", "tab\tword"); code != 0 {
		t.Fatalf("body word: exit %d, stderr %q", code, tf.Stderr)
	}
	if runCLI(t, tf, "block", "list"); !strings.Contains(tf.Stdout.String(), `"tab\tword"`) {
		t.Fatalf("block list: %q", tf.Stdout)
	}
}

// snapshot is the folder's files and contents, to tell whether a command wrote anything.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(dir, "*"))
	var b strings.Builder
	for _, m := range matches {
		b.WriteString(m + "\n" + readAll(t, m))
	}
	return b.String()
}
