package commands

import (
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/higress-ai/higress-ai/internal/k8s"
)

// TestStoreFailuresAreOneLineAndWriteNothing runs every command on a store that fails, as a
// cluster does for a user without the rights: one line on stderr, exit 1, nothing written.
func TestStoreFailuresAreOneLineAndWriteNothing(t *testing.T) {
	t.Parallel()
	gr := schema.GroupResource{Group: "extensions.higress.io", Resource: "wasmplugins"}
	forbidden := func(verb string) error {
		return k8s.Explain(apierrors.NewForbidden(gr, "key-auth.internal", errors.New("no")), verb, "key-auth.internal", "higress-system")
	}
	writes := [][]string{
		{"consumer", "add", "carol"},
		{"consumer", "rotate", "alice"},
		{"consumer", "rotate", "alice", "--finish"},
		{"consumer", "remove", "legacy", "--force", "--yes"},
		{"route", "bind", "gpt-4o", "-c", "legacy"},
		{"route", "unbind", "gpt-4o", "-c", "alice", "--yes"},
		{"route", "auth", "on", "--yes"},
		{"route", "delete-rule", "gpt-4o", "--yes"},
		{"block", "add", "password"},
	}
	reads := [][]string{
		{"consumer", "list"},
		{"consumer", "show", "alice"},
		{"route", "list"},
		{"block", "list"},
		{"block", "test", "hi"},
	}
	type failure struct {
		op   string
		err  error
		args [][]string
	}
	for _, f := range []failure{
		// rotate --finish of a consumer with one key writes nothing, so it cannot fail to.
		{"Update", forbidden("update"), append(writes[1:2:2], writes[3:8]...)},
		{"Create", forbidden("create"), writes[8:]},
		{"Get", forbidden("get"), append(writes, reads...)},
		{"List", forbidden("list"), [][]string{{"block", "add", "password"}, {"block", "list"}, {"route", "list"}, {"block", "test", "hi"}}},
	} {
		for _, args := range f.args {
			t.Run(f.op+" "+strings.Join(args, " "), func(t *testing.T) {
				t.Parallel()
				tf := gitops(t)
				before := tf.ReadFile(t, "key-auth.yaml")
				tf.FailStore(f.op, f.err)
				code := run(tf, args...)
				stderr := tf.Stderr.String()
				last := strings.TrimSuffix(stderr, "\n")
				if i := strings.LastIndex(last, "\n"); i >= 0 {
					last = last[i+1:]
				}
				if code != 1 || !strings.HasPrefix(last, "error: ") || !strings.Contains(last, "forbidden") && !strings.Contains(last, "may not") {
					t.Fatalf("exit %d, stderr %q", code, stderr)
				}
				if tf.ReadFile(t, "key-auth.yaml") != before {
					t.Fatal("a failed command wrote")
				}
			})
		}
	}
}
