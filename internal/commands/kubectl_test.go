package commands

import (
	"strings"
	"testing"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

// Installed by krew as kubectl-higress_ai, the binary works the same and its help says what the
// user types: `kubectl higress-ai`.
func TestAsKubectlPlugin(t *testing.T) {
	for _, argv0 := range []string{"/home/u/.krew/bin/kubectl-higress_ai", `C:\krew\bin\kubectl-higress_ai.exe`} {
		name := displayName(argv0)
		if name != "kubectl higress-ai" {
			t.Fatalf("%s: display name %q", argv0, name)
		}
		tf := cmdutil.NewTestFactory(t)
		if code := RunAs(tf.Factory, name, []string{"consumer", "add", "--help"}); code != 0 {
			t.Fatalf("help: exit %d: %s", code, tf.Stderr)
		}
		help := tf.Stdout.String()
		if !strings.Contains(help, "kubectl higress-ai consumer add") || !strings.Contains(help, "$ kubectl higress-ai consumer add alice") {
			t.Errorf("help does not say kubectl higress-ai:\n%s", help)
		}
		if strings.Contains(help, "$ higress-ai") {
			t.Errorf("an example still says $ higress-ai:\n%s", help)
		}
		// The same behaviour: a consumer added through the plugin name is there for the plain name.
		tf.Stdout.Reset()
		if code := RunAs(tf.Factory, name, []string{"consumer", "add", "alice", "--dir", tf.Dir}); code != 0 {
			t.Fatalf("add: exit %d: %s", code, tf.Stderr)
		}
		tf.Stdout.Reset()
		if code := Run(tf.Factory, []string{"consumer", "list", "-o", "name", "--dir", tf.Dir}); code != 0 || !strings.Contains(tf.Stdout.String(), "alice") {
			t.Errorf("list: exit %d: %q", code, tf.Stdout)
		}
	}
	if n := displayName("/usr/bin/higress-ai"); n != "higress-ai" {
		t.Errorf("plain binary: %q", n)
	}
}
