package k8s

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const multiDoc = `# gateway config, owned by the platform team
apiVersion: v1
kind: ConfigMap
metadata:
  name: unrelated
data:
  keep: "this   spacing"   # and this comment
---
# key-auth for the AI routes
apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: key-auth.internal
  namespace: higress-system
spec:
  defaultConfig:
    consumers: []
---
apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: no-namespace
spec:
  url: oci://example/x:1
...
`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
	return p
}

func readTestFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDirListFindsWasmPluginsByKind(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "gateway.yaml", multiDoc)
	writeFile(t, dir, "sub/other.yml", "apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: deep\n  namespace: elsewhere\n")
	writeFile(t, dir, "notes.txt", "kind: WasmPlugin\n")
	writeFile(t, dir, ".hidden/x.yaml", "apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: hidden\n")
	s, err := NewDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.List(context.Background(), "higress-system")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range list {
		names = append(names, o.GetNamespace()+"/"+o.GetName())
	}
	// A document without a namespace belongs to whichever namespace is asked for, as with kubectl apply -n.
	want := "higress-system/key-auth.internal higress-system/no-namespace"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("listed %q, want %q", got, want)
	}
	other, _ := s.List(context.Background(), "elsewhere")
	if len(other) != 2 { // deep, and no-namespace
		t.Fatalf("namespace elsewhere: %d objects", len(other))
	}
}

func TestDirReadsJSONDocumentsAndRefusesLists(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "ka.yaml", `{"apiVersion": "extensions.higress.io/v1alpha1", "kind": "WasmPlugin", "metadata": {"name": "key-auth.internal"}, "spec": {"priority": 310}}`+"\n")
	writeFile(t, dir, "flow.yaml", "{apiVersion: v1, kind: ConfigMap, metadata: {name: WasmPlugin-notes}}\n")
	s, _ := NewDirStore(dir)
	obj, err := s.Get(context.Background(), "higress-system", "key-auth.internal")
	if err != nil {
		t.Fatal(err)
	}
	if p, _, _ := unstructured.NestedInt64(obj.Object, "spec", "priority"); p != 310 {
		t.Fatalf("priority %d", p)
	}
	if list, _ := s.List(context.Background(), "higress-system"); len(list) != 1 {
		t.Fatalf("listed %d objects, want the JSON one only", len(list))
	}
	writeFile(t, dir, "export.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: extensions.higress.io/v1alpha1\n  kind: WasmPlugin\n  metadata: {name: x}\n")
	if _, err := s.List(context.Background(), "higress-system"); err == nil || !strings.Contains(err.Error(), "export.yaml (document 1): a List holding WasmPlugins") {
		t.Fatalf("a List: %v", err)
	}
}

func TestDirUpdateRewritesOnlyItsDocument(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "gateway.yaml", multiDoc)
	s, _ := NewDirStore(dir)
	ctx := context.Background()
	obj, err := s.Get(ctx, "higress-system", "key-auth.internal")
	if err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedField(obj.Object, "alice", "spec", "defaultConfig", "owner"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, obj, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	got := readTestFile(t, p)
	docs := splitDocuments(got).docs
	orig := splitDocuments(multiDoc).docs
	if docs[0] != orig[0] || docs[2] != orig[2] {
		t.Fatalf("other documents changed:\n%s", got)
	}
	if !strings.HasPrefix(docs[1], "# key-auth for the AI routes\n") {
		t.Fatalf("the edited document lost its header comment:\n%s", docs[1])
	}
	if !strings.Contains(docs[1], "owner: alice") || strings.Contains(docs[1], "resourceVersion") {
		t.Fatalf("edited document:\n%s", docs[1])
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o640 {
		t.Fatalf("file mode changed to %v", st.Mode().Perm())
	}
	// The document without a namespace is written back without one.
	nn, _ := s.Get(ctx, "higress-system", "no-namespace")
	_ = unstructured.SetNestedField(nn.Object, "oci://example/x:2", "spec", "url")
	if _, err := s.Update(ctx, nn, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	last := splitDocuments(readTestFile(t, p)).docs[2]
	if strings.Contains(last, "namespace:") || !strings.Contains(last, "x:2") {
		t.Fatalf("no-namespace document:\n%s", last)
	}
	assertNoTempFiles(t, dir)
}

func TestDirUpdateStaleVersionConflicts(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "gateway.yaml", multiDoc)
	s, _ := NewDirStore(dir)
	ctx := context.Background()
	a, _ := s.Get(ctx, "higress-system", "key-auth.internal")
	b, _ := s.Get(ctx, "higress-system", "key-auth.internal")
	_ = unstructured.SetNestedField(a.Object, "a", "spec", "phase")
	if _, err := s.Update(ctx, a, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	_ = unstructured.SetNestedField(b.Object, "b", "spec", "phase")
	_, err := s.Update(ctx, b, WriteOptions{})
	if !apierrors.IsConflict(err) {
		t.Fatalf("stale update: %v, want a Conflict", err)
	}
	if got, _ := s.Get(ctx, "higress-system", "key-auth.internal"); got.Object["spec"].(map[string]any)["phase"] != "a" {
		t.Fatal("the stale update was written")
	}
}

func TestDirCreate(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "gateway.yaml", multiDoc)
	s, _ := NewDirStore(dir)
	ctx := context.Background()
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": APIVersion, "kind": Kind,
		"metadata": map[string]any{"name": "request-block-2.0.0", "namespace": "higress-system"},
		"spec":     map[string]any{"priority": int64(320)},
	}}
	if _, err := s.Create(ctx, obj, WriteOptions{ServerDryRun: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "request-block-2.0.0.yaml")); !os.IsNotExist(err) {
		t.Fatal("a dry-run create wrote a file")
	}
	if _, err := s.Create(ctx, obj, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	got := readTestFile(t, filepath.Join(dir, "request-block-2.0.0.yaml"))
	if !strings.Contains(got, "name: request-block-2.0.0") || !strings.Contains(got, "priority: 320") {
		t.Fatalf("new file:\n%s", got)
	}
	if _, err := s.Create(ctx, obj, WriteOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: %v", err)
	}
	back, err := s.Get(ctx, "higress-system", "request-block-2.0.0")
	if err != nil || back.Object["spec"].(map[string]any)["priority"] != int64(320) {
		t.Fatalf("read back: %v %v", back, err)
	}
}

func TestDirErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := NewDirStore(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Fatalf("missing folder: %v", err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "broken.yaml", "apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata: [unclosed\n")
	s, _ := NewDirStore(dir)
	_, err := s.List(ctx, "higress-system")
	if err == nil || !strings.Contains(err.Error(), "broken.yaml (document 1)") {
		t.Fatalf("broken file: %v", err)
	}
	dup := t.TempDir()
	writeFile(t, dup, "dup.yaml", "apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: x\nspec:\n  defaultConfig:\n    consumers:\n    - name: a\n      credential: one\n      credential: two\n")
	s, _ = NewDirStore(dup)
	// A duplicate key would be collapsed to its last value and the file rewritten that way.
	if _, err := s.List(ctx, "higress-system"); err == nil || !strings.Contains(err.Error(), `dup.yaml (document 1): not valid YAML`) || !strings.Contains(err.Error(), `line 10: a key appears twice`) {
		t.Fatalf("duplicate key: %v", err)
	}
	empty, _ := NewDirStore(t.TempDir())
	if _, err := empty.Get(ctx, "higress-system", "nope"); !apierrors.IsNotFound(err) || err.Error() != `wasmplugin "higress-system/nope" not found` {
		t.Fatalf("missing object: %v", err)
	}
}

func TestDirConcurrentWritersKeepEveryChange(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "gateway.yaml", multiDoc)
	ctx := context.Background()
	const writers = 12
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, _ := NewDirStore(dir)
			for {
				obj, err := s.Get(ctx, "higress-system", "key-auth.internal")
				if err != nil {
					t.Error(err)
					return
				}
				_ = unstructured.SetNestedField(obj.Object, true, "spec", "defaultConfig", "w"+string(rune('a'+i)))
				_, err = s.Update(ctx, obj, WriteOptions{})
				if err == nil {
					return
				}
				if !apierrors.IsConflict(err) {
					t.Error(err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	s, _ := NewDirStore(dir)
	obj, _ := s.Get(ctx, "higress-system", "key-auth.internal")
	cfg := obj.Object["spec"].(map[string]any)["defaultConfig"].(map[string]any)
	if len(cfg) != writers+1 {
		t.Fatalf("defaultConfig has %d fields, want %d: a write was lost", len(cfg), writers+1)
	}
	assertNoTempFiles(t, dir)
}

func TestWriteAtomicFailureLeavesNoTempFile(t *testing.T) {
	dir := t.TempDir()
	// Renaming onto a non-empty directory fails after the temp file was written: the error names
	// the file and no temp file is left behind.
	target := filepath.Join(dir, "dir.yaml")
	writeFile(t, dir, "dir.yaml/inner", "x")
	if err := writeAtomic(target, "new: true\n", false); err == nil || !strings.Contains(err.Error(), "writing "+target) {
		t.Fatalf("write onto a folder: %v", err)
	}
	if got := readTestFile(t, filepath.Join(target, "inner")); got != "x" {
		t.Fatalf("the folder's file changed: %q", got)
	}
	assertNoTempFiles(t, dir)
}

// TestWriteAtomicSurvivesKill kills a process in the middle of rewriting a file, again and again:
// the file must always be one whole version, never a mix or a truncated one.
func TestWriteAtomicSurvivesKill(t *testing.T) {
	if p := os.Getenv("HIGRESS_AI_TEST_WRITER"); p != "" {
		// The child: rewrite the file with alternating whole versions until killed.
		for i := 0; ; i++ {
			if err := writeAtomic(p, version(i%2), false); err != nil {
				os.Exit(3)
			}
		}
	}
	dir := t.TempDir()
	p := writeFile(t, dir, "big.yaml", version(1))
	for round := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWriteAtomicSurvivesKill$")
		cmd.Env = append(os.Environ(), "HIGRESS_AI_TEST_WRITER="+p)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+37*round) * time.Millisecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if got := readTestFile(t, p); got != version(0) && got != version(1) {
			t.Fatalf("round %d: the file is neither version after a kill (%d bytes)", round, len(got))
		}
	}
	// Temp files a killed writer leaves are hidden, so the store never reads them.
	s, _ := NewDirStore(dir)
	if files, _ := s.files(); len(files) != 1 {
		t.Fatalf("the store sees %v", files)
	}
}

// version is a large YAML document, different for 0 and 1 in every line.
func version(v int) string {
	var b strings.Builder
	for i := range 200000 {
		fmt.Fprintf(&b, "k%d: v%d-%d\n", i, v, i)
	}
	return b.String()
}

func TestSplitJoinRoundTrip(t *testing.T) {
	for _, text := range []string{multiDoc, "", "a: 1\n", "---\na: 1\n---\n", "a: 1\n--- # comment\nb: 2", "x: |\n  ---not a separator\n"} {
		if got := splitDocuments(text).join(); got != text {
			t.Errorf("round trip of %q gave %q", text, got)
		}
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if strings.Contains(filepath.Base(path), ".tmp-") {
			t.Errorf("temp file left behind: %s", path)
		}
		return nil
	})
}

// A file written before it held keys (the bundled ai-proxy installed, then a provider's key added)
// is no longer readable by group and others once it holds one.
func TestDirUpdateWithKeysTightensTheMode(t *testing.T) {
	dir := t.TempDir()
	s, _ := NewDirStore(dir)
	ctx := context.Background()
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": APIVersion, "kind": Kind,
		"metadata": map[string]any{"name": "higress-ai-proxy", "namespace": "higress-system"},
		"spec":     map[string]any{"defaultConfig": map[string]any{"providers": []any{}}},
	}}
	created, err := s.Create(ctx, obj, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "higress-ai-proxy.yaml")
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	created.Object["spec"] = map[string]any{"defaultConfig": map[string]any{"providers": []any{map[string]any{"id": "openai", "apiTokens": []any{"sk-upstream-0123456789"}}}}}
	if _, err := s.Update(ctx, created, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("a file holding a provider key is %v (%v), want 0600", st.Mode().Perm(), err)
	}
}
