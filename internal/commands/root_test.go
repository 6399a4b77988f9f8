package commands

import (
	"encoding/json"
	"strings"
	"testing"

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
		{"bad output", []string{"consumer", "list", "-o", "xml"}, 1, "error: invalid --output \"xml\" for this command: use table, wide, json, yaml, name (see --help)\n"},
		{"bad dry-run", []string{"consumer", "list", "--dry-run=later"}, 1, "error: invalid --dry-run \"later\": use none, client or server (see --help)\n"},
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
			tf := cmdutil.NewTestFactory(t)
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
	tf := cmdutil.NewTestFactory(t)
	f := cmdutil.New(tf.Context, tf.IO) // the real store selection, no --dir
	code := Run(f, []string{"consumer", "list"})
	if code != 1 || !strings.HasPrefix(tf.Stderr.String(), "error: ") || strings.Count(tf.Stderr.String(), "\n") != 1 {
		t.Fatalf("exit %d stderr %q", code, tf.Stderr)
	}
}

func TestVersion(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
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
		tf := cmdutil.NewTestFactory(t)
		if code := Run(tf.Factory, []string{"completion", shell}); code != 0 || !strings.Contains(tf.Stdout.String(), "higress-ai") {
			t.Fatalf("completion %s: exit %d, %d bytes", shell, code, tf.Stdout.Len())
		}
	}
}
