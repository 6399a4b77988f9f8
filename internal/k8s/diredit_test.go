package k8s

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func editFolder(t *testing.T, content string, change func(obj *unstructured.Unstructured)) (string, string, *DirStore) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "key-auth.yaml")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := NewDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	var warnings bytes.Buffer
	s.Warnings = &warnings
	obj, err := s.Get(context.Background(), "higress-system", "key-auth.internal")
	if err != nil {
		t.Fatal(err)
	}
	change(obj)
	if _, err := s.Update(context.Background(), obj, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), warnings.String(), s
}

const aliasedDoc = `# shared lists
apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: key-auth.internal
  namespace: higress-system
  annotations: {team: &team "alice"}
spec:
  defaultConfig:
    consumers:
    - name: *team   # the alias is the consumer's name
      credential: key-alice-0000000001
`

func TestUpdateKeepsTheLayoutAndWarnsWhenItCannot(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		change   func(obj *unstructured.Unstructured)
		want     string // a line the result must hold
		warning  string // "" when no warning is expected
		keepText string // text of the original kept byte for byte
	}{
		{
			name: "minimal edit keeps every comment",
			doc:  aliasedDoc,
			change: func(obj *unstructured.Unstructured) {
				_ = unstructured.SetNestedField(obj.Object, int64(1), "spec", "priority")
			},
			want:     "  priority: 1\n",
			keepText: "    - name: *team   # the alias is the consumer's name\n",
		},
		{
			name: "a change through an alias falls back to a full rewrite with a warning",
			doc:  aliasedDoc,
			change: func(obj *unstructured.Unstructured) {
				cs, _, _ := unstructured.NestedSlice(obj.Object, "spec", "defaultConfig", "consumers")
				cs[0].(map[string]any)["name"] = "alicia"
				_ = unstructured.SetNestedSlice(obj.Object, cs, "spec", "defaultConfig", "consumers")
			},
			want:     "name: alicia",
			warning:  "alias",
			keepText: "# shared lists\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings, s := editFolder(t, tc.doc, tc.change)
			if !strings.Contains(got, tc.want) || !strings.Contains(got, tc.keepText) {
				t.Fatalf("file:\n%s\nwant %q and %q", got, tc.want, tc.keepText)
			}
			if tc.warning == "" && warnings != "" || tc.warning != "" && (strings.Count(warnings, "\n") != 1 || !strings.Contains(warnings, tc.warning) || !strings.Contains(warnings, "key-auth.yaml")) {
				t.Fatalf("warnings %q, want one line naming the file and %q", warnings, tc.warning)
			}
			if strings.Contains(warnings, "key-alice") {
				t.Fatalf("the warning quotes a key: %q", warnings)
			}
			// Nothing lost: the key is still in the file, readable back.
			obj, err := s.Get(context.Background(), "higress-system", "key-auth.internal")
			if err != nil {
				t.Fatal(err)
			}
			cs, _, _ := unstructured.NestedSlice(obj.Object, "spec", "defaultConfig", "consumers")
			if len(cs) != 1 || cs[0].(map[string]any)["credential"] != "key-alice-0000000001" {
				t.Fatalf("consumers after the edit: %v", cs)
			}
		})
	}
}

func TestPreviewMasksEveryCredentialInPlace(t *testing.T) {
	dir := t.TempDir()
	doc := "# keys\n" + strings.TrimPrefix(aliasedDoc, "# shared lists\n")
	if err := os.WriteFile(filepath.Join(dir, "key-auth.yaml"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := NewDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Get(context.Background(), "higress-system", "key-auth.internal")
	if err != nil {
		t.Fatal(err)
	}
	cs, _, _ := unstructured.NestedSlice(obj.Object, "spec", "defaultConfig", "consumers")
	cs = append(cs, map[string]any{"name": "bob", "credential": "key-bob-00000000000002"})
	_ = unstructured.SetNestedSlice(obj.Object, cs, "spec", "defaultConfig", "consumers")
	fc, err := s.Preview(obj, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{fc.Before, fc.After} {
		if strings.Contains(text, "key-alice-0000000001") || strings.Contains(text, "key-bob-00000000000002") {
			t.Fatalf("a key shows:\n%s", text)
		}
	}
	if strings.Count(fc.Before, "\n") != strings.Count(doc, "\n") || !strings.Contains(fc.After, "credential: key-****0002") {
		t.Fatalf("before:\n%s\nafter:\n%s", fc.Before, fc.After)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "key-auth.yaml")); string(b) != doc {
		t.Fatal("Preview wrote the file")
	}
}

func TestOriginNamesTheFileAndTheDocumentsLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "all.yaml")
	content := "# two documents\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n" + strings.TrimPrefix(aliasedDoc, "# shared lists\n")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := NewDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Origin("higress-system", "key-auth.internal"); ok {
		t.Fatal("an origin before anything was read")
	}
	if _, err := s.Get(context.Background(), "higress-system", "key-auth.internal"); err != nil {
		t.Fatal(err)
	}
	o, ok := s.Origin("higress-system", "key-auth.internal")
	if !ok || o.String() != file+":6" {
		t.Fatalf("origin %v %v, want %s:6", o, ok, file)
	}
}
