package k8s

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

func TestDirDeleteRemovesOnlyItsDocument(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := writeFile(t, dir, "gateway.yaml", multiDoc)
	s, err := NewDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Get(ctx, "higress-system", "key-auth.internal")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "higress-system", "key-auth.internal", "dir:stale", WriteOptions{}); err == nil {
		t.Fatal("a stale version deleted")
	}
	if err := s.Delete(ctx, "higress-system", "key-auth.internal", obj.GetResourceVersion(), WriteOptions{ServerDryRun: true}); err != nil || readTestFile(t, file) != multiDoc {
		t.Fatalf("a dry run deleted: %v", err)
	}
	if err := s.Delete(ctx, "higress-system", "key-auth.internal", obj.GetResourceVersion(), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	got := readTestFile(t, file)
	start := strings.Index(multiDoc, "# key-auth for the AI routes")
	end := strings.Index(multiDoc, "apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: no-namespace")
	if got != multiDoc[:start]+multiDoc[end:] {
		t.Fatalf("file after delete:\n%s", got)
	}
	if _, err := s.Get(ctx, "higress-system", "key-auth.internal"); err == nil {
		t.Fatal("still found")
	}
	if _, err := s.Get(ctx, "higress-system", "no-namespace"); err != nil {
		t.Fatal(err)
	}
	// The last WasmPlugin of a file of its own takes the file with it.
	one := writeFile(t, dir, "one.yaml", "apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: solo, namespace: higress-system}\nspec: {}\n")
	if err := s.Delete(ctx, "higress-system", "solo", "", WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(one); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("file left: %v", err)
	}
}
