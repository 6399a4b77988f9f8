package commands

import (
	"context"
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdtest"
	"github.com/higress-ai/higress-ai/internal/testenv"
)

// complete asks the command line for completions as a shell does (cobra's __complete) and returns
// the candidates (descriptions cut off) and the directive.
func complete(t *testing.T, tf *cmdtest.Factory, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	tf.Stdout.Reset()
	tf.Stderr.Reset()
	if code := Run(tf.Factory, append([]string{cobra.ShellCompRequestCmd}, args...)); code != 0 {
		t.Fatalf("__complete %v: exit %d %s", args, code, tf.Stderr)
	}
	lines := strings.Split(strings.TrimSpace(tf.Stdout.String()), "\n")
	var out []string
	var directive cobra.ShellCompDirective
	for _, l := range lines {
		if d, ok := strings.CutPrefix(l, ":"); ok {
			var n int
			for _, c := range d {
				n = n*10 + int(c-'0')
			}
			directive = cobra.ShellCompDirective(n)
			continue
		}
		name, _, _ := strings.Cut(l, "\t")
		out = append(out, name)
	}
	return out, directive
}

func TestCompletionInAFolder(t *testing.T) {
	t.Parallel()
	tf := gitops(t)
	tf.WriteFile(t, "block.yaml", blockPlugin)
	dir := []string{"--dir", tf.Dir}
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"consumer for remove", append(dir, "consumer", "remove", ""), []string{"alice", "legacy"}},
		{"flags before the command", append(dir, "consumer", "show", "a"), []string{"alice", "legacy"}},
		{"flags after the command", []string{"consumer", "rotate", "--dir", tf.Dir, ""}, []string{"alice", "legacy"}},
		{"only one consumer argument", append(dir, "consumer", "show", "alice", ""), nil},
		{"consumer list after a comma", append(dir, "route", "bind", "gpt-4o", "--consumer", "alice,"), []string{"alice,legacy"}},
		{"consumer list, first name", append(dir, "route", "bind", "gpt-4o", "--consumer", ""), []string{"alice", "legacy"}},
		{"routes", append(dir, "route", "bind", ""), []string{"gpt-4o", "team-a/deepseek", "team-a/locked", "team-b/locked"}},
		{"route for --route", append(dir, "block", "add", "x", "--route", ""), []string{"gpt-4o", "team-a/deepseek", "team-a/locked", "team-b/locked"}},
		{"blocked words", append(dir, "block", "remove", ""), []string{"password", "secret", "project-x"}},
		{"blocked words not yet given", append(dir, "block", "remove", "password", ""), []string{"secret", "project-x"}},
		{"plugin names", append(dir, "consumer", "list", "--plugin", ""), []string{"key-auth.internal"}},
		{"request-block plugin names", append(dir, "block", "list", "--plugin", ""), []string{"words"}},
		{"domains", append(dir, "route", "bind", "--domain", ""), []string{"ai.example.com"}},
		{"-o of a list", append(dir, "consumer", "list", "-o", ""), []string{"table", "wide", "json", "yaml", "name", "jsonpath="}},
		{"-o of a mutation", append(dir, "consumer", "add", "x", "-o", ""), []string{"json", "yaml", "name"}},
		{"--in", append(dir, "block", "add", "x", "--in", ""), []string{"body", "url", "header"}},
		{"--dry-run", append(dir, "consumer", "add", "x", "--dry-run="), []string{"none", "client", "server"}},
		{"--by after a comma", []string{"usage", "--by", "consumer,"}, []string{"consumer,model", "consumer,route", "consumer,day", "consumer,status"}},
		{"--sort", []string{"usage", "--sort", ""}, []string{"cost", "requests", "tokens", "name"}},
		{"route auth", []string{"route", "auth", ""}, []string{"on", "off"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := complete(t, tf, tc.args...)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("HIGRESS_AI_DIR", func(t *testing.T) {
		tf2 := gitops(t)
		tf2.Environ["HIGRESS_AI_DIR"] = tf2.Dir
		tf2.Flags.Dir = ""
		if got, _ := complete(t, tf2, "consumer", "remove", ""); strings.Join(got, " ") != "alice legacy" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("--dir completes folders only", func(t *testing.T) {
		_, d := complete(t, tf, "consumer", "list", "--dir", "")
		if d&cobra.ShellCompDirectiveFilterDirs == 0 {
			t.Fatalf("directive %d does not filter folders", d)
		}
	})
	t.Run("an unreadable store completes nothing, without an error", func(t *testing.T) {
		got, _ := complete(t, tf, "--dir", "/nonexistent/folder", "consumer", "remove", "")
		if len(got) != 0 {
			t.Fatalf("got %q", got)
		}
	})
}

func TestCompletionOnACluster(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t, kc)
	teamNS := testenv.Namespace(t, kc)
	cs := testenv.Clientset(t, kc)
	class := "higress"
	spec := networkingv1.IngressSpec{IngressClassName: &class, Rules: []networkingv1.IngressRule{{Host: "ai.example.com"}}}
	for _, ing := range []*networkingv1.Ingress{
		{ObjectMeta: metav1.ObjectMeta{Name: "gpt-4o", Namespace: ns}, Spec: spec},
		{ObjectMeta: metav1.ObjectMeta{Name: "deepseek", Namespace: teamNS}, Spec: spec},
	} {
		if _, err := cs.NetworkingV1().Ingresses(ing.Namespace).Create(context.Background(), ing, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	tf := cmdtest.NewCluster(t, kc, ns)
	for _, name := range []string{"alice", "bob"} {
		if code := Run(tf.Factory, []string{"consumer", "add", name, "--kubeconfig", kc, "-n", ns}); code != 0 {
			t.Fatalf("add %s: %s", name, tf.Stderr)
		}
	}
	if code := Run(tf.Factory, []string{"block", "add", "password", "--kubeconfig", kc, "-n", ns}); code != 0 {
		t.Fatalf("block add: %s", tf.Stderr)
	}
	flags := []string{"--kubeconfig", kc, "-n", ns}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{append(flags, "consumer", "remove", ""), "alice bob"},
		{append(flags, "route", "unbind", "gpt-4o", "-c", "bob,"), "bob,alice"},
		{append(flags, "block", "remove", ""), "password"},
		{append(flags, "consumer", "add", "x", "--plugin", ""), "key-auth.internal"},
	} {
		got, _ := complete(t, tf, tc.args...)
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%v: got %q, want %q", tc.args[len(flags):], got, tc.want)
		}
	}
	// Ingresses of every namespace are routes (other tests' too: check ours are there).
	routes, _ := complete(t, tf, append(flags, "route", "bind", "")...)
	if !slices.Contains(routes, "gpt-4o") || !slices.Contains(routes, teamNS+"/deepseek") {
		t.Errorf("routes: %q", routes)
	}
	// An unreachable server: nothing completes, quickly, and the shell is never hung.
	bad := cmdtest.New(t)
	if got, _ := complete(t, bad, "--kubeconfig", "/nonexistent/kubeconfig", "consumer", "remove", ""); len(got) != 0 {
		t.Fatalf("got %q", got)
	}
}
