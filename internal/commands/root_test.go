package commands

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/higress-ai/higress-ai/internal/commands/cmdtest"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

func TestRunExitCodesAndOneLineErrors(t *testing.T) {
	cases := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"unknown flag", []string{"consumer", "list", "--bogus"}, 1, "error: unknown flag: --bogus (see --help)\n"},
		{"bad output", []string{"consumer", "list", "-o", "xml"}, 1, "error: invalid argument \"xml\" for \"-o, --output\" flag: use table, wide, json, yaml, name, jsonpath=TEMPLATE (see --help)\n"},
		{"output a list has, not a show", []string{"consumer", "show", "alice", "-o", "wide"}, 1, "error: invalid argument \"wide\" for \"-o, --output\" flag: use json, yaml, jsonpath=TEMPLATE (see --help)\n"},
		{"bad dry-run", []string{"consumer", "add", "x", "--dry-run=later"}, 1, "error: invalid argument \"later\" for \"--dry-run\" flag: use none, client or server (see --help)\n"},
		{"dry-run on a read", []string{"consumer", "list", "--dry-run"}, 1, "error: unknown flag: --dry-run (see --help)\n"},
		{"server dry-run in a folder", []string{"consumer", "add", "x", "--dry-run=server"}, 1, "error: --dry-run=server needs a cluster: a folder (--dir) has no API server to validate the change; use --dry-run=client (see --help)\n"},
		{"missing argument", []string{"consumer", "show"}, 1, "error: missing NAME: higress-ai consumer show takes NAME (see --help)\n"},
		{"help on an unknown topic", []string{"help", "bogus"}, 1, "error: unknown command \"bogus\" for \"higress-ai\" (see --help)\n"},
		{"completion for an unknown shell", []string{"completion", "tcsh"}, 1, "error: unknown command \"tcsh\" for \"higress-ai completion\" (did you mean \"bash\"?) (see --help)\n"},
		{"unknown command before flags", []string{"bogus", "install", "--url", "X"}, 1, "error: unknown command \"bogus\" for \"higress-ai\" (see --help)\n"},
		{"unknown subcommand before flags", []string{"consumer", "ad", "--key-stdin"}, 1, "error: unknown command \"ad\" for \"higress-ai consumer\" (did you mean \"add\"?) (see --help)\n"},
		{"domain error with its flag hint", []string{"block", "add", "x", "--route", "gpt4"}, 1, "error: unknown route \"gpt4\": no Ingress of class higress and no match rule names it: see higress-ai route list, or use --any-route\n"},
		{"missing dir", []string{"consumer", "list", "--dir", "/nonexistent/higress"}, 1, "error: --dir \"/nonexistent/higress\": no such file or directory\n"},
		{"bad name", []string{"consumer", "add", "a b"}, 1, "error: invalid consumer name \"a b\": use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit\n"},
		{"unknown command", []string{"consumerz"}, 1, "error: unknown command \"consumerz\" for \"higress-ai\" (did you mean \"consumer\"?) (see --help)\n"},
		{"unknown subcommand", []string{"consumer", "lst"}, 1, "error: unknown command \"lst\" for \"higress-ai consumer\" (did you mean \"list\"?) (see --help)\n"},
		{"unknown subcommand, nothing like it", []string{"block", "zzzzzz"}, 1, "error: unknown command \"zzzzzz\" for \"higress-ai block\" (see --help)\n"},
		{"group alone prints its help", []string{"route"}, 0, ""},
		{"ok", []string{"consumer", "list"}, 0, "no key-auth wasmplugin in namespace \"higress-system\": add a consumer to create one\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdtest.New(t)
			args := tc.args
			if !strings.Contains(strings.Join(args, " "), "--dir") {
				args = append(args, "--dir", tf.Dir)
			}
			code := Run(tf.Factory, args)
			if code != tc.wantCode || tf.Stderr.String() != tc.wantStderr {
				t.Fatalf("exit %d stderr %q, want %d %q", code, tf.Stderr, tc.wantCode, tc.wantStderr)
			}
		})
	}
}

func TestNoClusterConfigured(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent/kubeconfig")
	t.Setenv("HOME", t.TempDir())
	tf := cmdtest.New(t)
	f := cmdutil.New(tf.Context, tf.IO) // the real store selection, no --dir
	code := Run(f, []string{"consumer", "list"})
	if code != 1 || !strings.HasPrefix(tf.Stderr.String(), "error: ") || strings.Count(tf.Stderr.String(), "\n") != 1 {
		t.Fatalf("exit %d stderr %q", code, tf.Stderr)
	}
}

func TestVersion(t *testing.T) {
	tf := cmdtest.New(t)
	if code := Run(tf.Factory, []string{"version", "-o", "json"}); code != 0 {
		t.Fatalf("exit %d: %s", code, tf.Stderr)
	}
	var v map[string]string
	if err := json.Unmarshal(tf.Stdout.Bytes(), &v); err != nil || v["version"] != "dev" || !strings.HasPrefix(v["go"], "go1.") {
		t.Fatalf("%v %s", err, tf.Stdout)
	}
	tf.Stdout.Reset()
	if code := Run(tf.Factory, []string{"version"}); code != 0 || !strings.HasPrefix(tf.Stdout.String(), "higress-ai dev (commit none") {
		t.Fatalf("exit %d: %q", code, tf.Stdout)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		tf := cmdtest.New(t)
		if code := Run(tf.Factory, []string{"completion", shell}); code != 0 || !strings.Contains(tf.Stdout.String(), "higress-ai") {
			t.Fatalf("completion %s: exit %d, %d bytes", shell, code, tf.Stdout.Len())
		}
	}
}
