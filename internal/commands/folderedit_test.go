package commands

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/aymanbagabas/go-udiff/myers"

	"github.com/higress-ai/higress-ai/internal/commands/cmdtest"
	"github.com/higress-ai/higress-ai/internal/secret"
	"github.com/higress-ai/higress-ai/internal/termsafe"
)

// The golden corpus of folder edits: the console's own output and hand-written files rich in
// comments, flow style, quotes, anchors, CRLF and several documents, each edited through the real
// commands in --dir mode. The result must match testdata/folderedit/CORPUS/EDIT.golden (-update
// rewrites them), keep every comment line it does not remove with an item, and --dry-run must
// show exactly the diff the real run makes.

var corpusKeys = []string{
	"hai_existingAliceKey000000000000", "legacy-plain-key-0001", "hai_aliceAliceAlice000000000001",
	"sk-console-qwen-0123456789abcdef", "sk-console-claude-0123456789abcdef", "sk-groq-test-key-000000000001", "sk-openai-UPSTREAM-0123456789abcdef",
	"sk-deepseek-UPSTREAM-00112233445566-second", "sk-deepseek-UPSTREAM-00112233445566",
	"hai_alice-key-0123456789abcdef", "ci-key-0123456789abcdef",
}

type folderEdit struct {
	name string
	args []string
	// dropped is how many lines of the original the edit may remove or change.
	dropped int
	stdin   string
}

// folderEdits are the edits each corpus file goes through; other names fit other files.
func folderEdits(corpus string) []folderEdit {
	other, rest := "legacy", 4
	if corpus == "console-both" {
		other, rest = "ci", 6
	}
	bindRoute := []string{"route", "bind", "gpt-4o", "--consumer", other}
	unbind := []string{"route", "unbind", "--domain", "ai.example.com", "--consumer", other, "--yes"}
	if corpus == "console-both" {
		bindRoute = []string{"route", "bind", "--domain", "ai.example.com", "--consumer", other}
		unbind = []string{"route", "unbind", "gpt-4o", "--consumer", other, "--yes"}
	}
	edits := []folderEdit{
		{name: "consumer-add", args: []string{"consumer", "add", "bob"}, dropped: 1},
		{name: "consumer-remove", args: []string{"consumer", "remove", other, "--force", "--yes"}, dropped: rest},
		{name: "block-add", args: []string{"block", "add", "password"}, dropped: 1},
		{name: "route-bind", args: bindRoute, dropped: 1},
		{name: "route-unbind", args: unbind, dropped: 1},
		{name: "limit-set", args: []string{"limit", "set", "alice", "--tokens-per-minute", "100", "--redis-service", "redis.higress-system.svc.cluster.local"}, dropped: 1},
	}
	if corpus == "installed-ai-proxy" {
		return []folderEdit{
			{name: "provider-add", args: []string{"provider", "add", "groq", "--type", "groq", "--api-key-stdin"}, dropped: 0, stdin: "sk-groq-test-key-000000000001\n"},
		}
	}
	if strings.HasPrefix(corpus, "handwritten") {
		edits = append(edits, folderEdit{name: "block-remove", args: []string{"block", "remove", "secret-project"}, dropped: 1})
	}
	return edits
}

var (
	maskedTail = regexp.MustCompile(`\*\*\*\*[A-Za-z0-9]{4}`)
	// The store masks through YAML, which quotes a mask that would read as an alias.
	quotedMask = regexp.MustCompile(`'(\S*\*\*\*\*)'`)
)

func sameMasks(s string) string {
	return quotedMask.ReplaceAllString(maskedTail.ReplaceAllString(s, "****"), "$1")
}

// maskKnown masks the corpus' keys and any hai_ key a command made, independently of the store's
// own masking.
func maskKnown(text string, extra ...string) string {
	for _, k := range append(append([]string{}, corpusKeys...), extra...) {
		if k != "" {
			text = strings.ReplaceAll(text, k, secret.Mask(k))
		}
	}
	return text
}

func readFolder(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && !strings.HasPrefix(e.Name(), ".") {
			out[e.Name()] = string(b)
		}
	}
	return out
}

var newKeyRE = regexp.MustCompile(`hai_[A-Za-z0-9_-]{20,}`)

func TestFolderEditsKeepEverythingOutsideTheChange(t *testing.T) {
	corpus, err := filepath.Glob("testdata/folderedit/corpus/*.yaml")
	if err != nil || len(corpus) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, src := range corpus {
		base := strings.TrimSuffix(filepath.Base(src), ".yaml")
		orig, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, ed := range folderEdits(base) {
			t.Run(base+"/"+ed.name, func(t *testing.T) {
				tf := cmdtest.New(t)
				file := filepath.Join(tf.Dir, base+".yaml")
				if err := os.WriteFile(file, orig, 0o600); err != nil {
					t.Fatal(err)
				}
				tf.Stdin.Reset()
				tf.Stdin.WriteString(ed.stdin)
				if code := runCLI(t, tf, append(ed.args, "--dry-run")...); code != 0 {
					t.Fatalf("--dry-run: exit %d: %s", code, tf.Stderr)
				}
				dry := tf.Stdout.String()
				if got := readFolder(t, tf.Dir); len(got) != 1 || got[base+".yaml"] != string(orig) {
					t.Fatal("--dry-run wrote to the folder")
				}
				tf.Stdin.Reset()
				tf.Stdin.WriteString(ed.stdin)
				if code := runCLI(t, tf, ed.args...); code != 0 {
					t.Fatalf("exit %d: %s", code, tf.Stderr)
				}
				if strings.Contains(tf.Stderr.String(), "rewritten in full") {
					t.Fatalf("the edit fell back to a full rewrite: %s", tf.Stderr)
				}
				newKey := newKeyRE.FindString(tf.Stdout.String())
				after := readFolder(t, tf.Dir)
				var names []string
				for n := range after {
					names = append(names, n)
				}
				sort.Strings(names)
				var all strings.Builder
				for _, n := range names {
					all.WriteString("==> " + n + " <==\n" + maskKnown(after[n], newKey))
				}
				golden(t, filepath.Join("folderedit", base, ed.name), all.String())

				// The dry run's diff is the change the real run made (new keys differ between
				// the runs, so their masks' last characters are set aside).
				var real strings.Builder
				for _, n := range names {
					p := filepath.Join(tf.Dir, n)
					before := ""
					from := "/dev/null"
					if n == base+".yaml" {
						before, from = maskKnown(string(orig)), p
					}
					now := maskKnown(after[n], newKey)
					if before == now {
						continue
					}
					d, err := udiff.ToUnified(from, p, before, myers.ComputeEdits(before, now), 3)
					if err != nil {
						t.Fatal(err)
					}
					real.WriteString(d)
				}
				if g, w := sameMasks(dry), sameMasks(termsafe.EscapeLines(real.String())); g != w {
					t.Fatalf("--dry-run showed\n%s\nthe real run changed\n%s", dry, real.String())
				}
				if strings.Contains(dry, "sk-groq-test-key") || (newKey != "" && strings.Contains(dry, newKey)) {
					t.Fatalf("the dry run shows a key:\n%s", dry)
				}

				// Only the expected lines changed; every comment kept unless its item went.
				res, ok := after[base+".yaml"]
				if !ok {
					t.Fatal("the corpus file is gone")
				}
				removed := 0
				for _, e := range myers.ComputeEdits(string(orig), res) {
					removed += strings.Count(string(orig)[e.Start:e.End], "\n")
				}
				if removed > ed.dropped {
					t.Errorf("%d lines of the original removed or changed, want at most %d", removed, ed.dropped)
				}
				if ed.dropped <= 1 {
					for _, line := range strings.SplitAfter(string(orig), "\n") {
						if strings.HasPrefix(strings.TrimSpace(line), "#") && !strings.Contains(res, line) {
							t.Errorf("comment line %q lost", line)
						}
					}
				}
			})
		}
	}
}

func TestPluginListWideNamesTheFileAndLineInAFolder(t *testing.T) {
	for _, corpus := range []string{"handwritten", "handwritten-crlf"} {
		t.Run(corpus, func(t *testing.T) {
			tf := cmdtest.New(t)
			b, err := os.ReadFile("testdata/folderedit/corpus/" + corpus + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			file := put(t, tf.Dir, corpus+".yaml", string(b))
			if code := runCLI(t, tf, "plugin", "list", "-o", "wide"); code != 0 {
				t.Fatalf("exit %d: %s", code, tf.Stderr)
			}
			out := tf.Stdout.String()
			if !strings.Contains(strings.SplitN(out, "\n", 2)[0], "SOURCE") {
				t.Fatalf("no SOURCE column:\n%s", out)
			}
			for name, line := range map[string]string{"key-auth.internal": ":11", "request-block.internal": ":46"} {
				found := false
				for _, row := range strings.Split(out, "\n") {
					if strings.HasPrefix(row, name+" ") && strings.HasSuffix(strings.TrimSpace(row), file+line) {
						found = true
					}
				}
				if !found {
					t.Errorf("%s not shown from %s%s:\n%s", name, file, line, out)
				}
			}
		})
	}
}
