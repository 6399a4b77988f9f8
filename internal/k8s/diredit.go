package k8s

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/secret"
	"github.com/higress-ai/higress-ai/internal/yamledit"
)

// editedText is the new text of document cur holding obj: cur's own text with only the change
// spliced in (comments, order, style and quoting of the rest kept byte for byte), checked by
// reading it back. When the minimal edit is not safe, the document is rewritten in full (its
// header comment kept) with a one-line warning. out is obj as the document holds it.
func (s *DirStore) editedText(cur document, obj *unstructured.Unstructured) (*unstructured.Unstructured, string, error) {
	out := obj.DeepCopy()
	// Give the document back what it had on disk: no namespace if it had none, its own version.
	out.SetResourceVersion(cur.obj.GetResourceVersion())
	if cur.obj.GetNamespace() == "" {
		out.SetNamespace("")
	}
	text, reason := minimalEdit(cur, out)
	if reason == "" {
		return out, text, nil
	}
	full, err := marshalDoc(out)
	if err != nil {
		return nil, "", err
	}
	if s.Warnings != nil {
		fmt.Fprintf(s.Warnings, "warning: %s: wasmplugin %q rewritten in full, its comments and layout not kept (%s)\n", cur.file, out.GetName(), reason)
	}
	return out, leadingComments(cur.text) + full, nil
}

// minimalEdit returns the document with out's change applied in place, or why it cannot.
func minimalEdit(cur document, out *unstructured.Unstructured) (string, string) {
	want, err := jsonCopy(out.Object)
	if err != nil {
		return "", err.Error()
	}
	text, err := yamledit.Apply(cur.text, cur.obj.Object, want)
	if err != nil {
		return "", err.Error()
	}
	got, err := decodeWasmPlugin(text)
	if err != nil || got == nil || !reflect.DeepEqual(got.Object, want) {
		return "", "the edited document did not read back as the change"
	}
	return text, ""
}

// jsonCopy is v as a document decodes to (int64 numbers, []any lists), so that it compares
// with what the folder holds.
func jsonCopy(v map[string]any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return obj.Object, nil
}

// FileChange is what a write does to one file of a folder store, credentials masked.
type FileChange struct {
	File          string
	Before, After string // the file's whole text before and after; Before is "" for a new file
	New           bool
}

// Previewer is a store that can show a write as the change of the file it makes (--dry-run).
type Previewer interface {
	Preview(obj *unstructured.Unstructured, create bool) (FileChange, error)
}

// Preview computes what Create (create) or Update of obj would write, without writing, with every
// credential in both texts masked. Under the lock-free read it may race a writer, as any dry run.
func (s *DirStore) Preview(obj *unstructured.Unstructured, create bool) (FileChange, error) {
	if create {
		text, err := marshalDoc(obj)
		if err != nil {
			return FileChange{}, err
		}
		file := filepath.Join(s.root, obj.GetName()+".yaml")
		raw, err := readFile(file)
		if err != nil {
			if _, serr := os.Lstat(file); !errors.Is(serr, fs.ErrNotExist) {
				return FileChange{}, err
			}
			return FileChange{File: file, After: maskCredentials(text), New: true}, nil
		}
		f := splitDocuments(raw)
		if strings.TrimSpace(stripComments(raw)) == "" {
			f.docs[len(f.docs)-1] += text
		} else {
			f.seps = append(f.seps, "---\n")
			f.docs = append(f.docs, text)
		}
		return FileChange{File: file, Before: maskCredentials(raw), After: maskCredentials(f.join())}, nil
	}
	cur, err := s.current(obj.GetNamespace(), obj.GetName(), "")
	if err != nil {
		return FileChange{}, err
	}
	_, text, err := s.editedText(cur, obj)
	if err != nil {
		return FileChange{}, err
	}
	raw, err := readFile(cur.file)
	if err != nil {
		return FileChange{}, err
	}
	f := splitDocuments(raw)
	if cur.index >= len(f.docs) {
		return FileChange{}, fmt.Errorf("%s changed while it was being read: run the command again", cur.file)
	}
	f.docs[cur.index] = text
	return FileChange{File: cur.file, Before: maskCredentials(raw), After: maskCredentials(f.join())}, nil
}

// maskCredentials masks every credential of every document of a file's text (secret.Redact
// decides what is one), in place so that line numbers stay: through the minimal editor, or by
// replacing each credential's text where the editor cannot.
func maskCredentials(text string) string {
	f := splitDocuments(text)
	for i, doc := range f.docs {
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			continue
		}
		var v any
		if json.Unmarshal(js, &v) != nil {
			continue
		}
		red := secret.Redact(v)
		if reflect.DeepEqual(v, red) {
			continue
		}
		if masked, err := yamledit.Apply(doc, v, red); err == nil {
			f.docs[i] = masked
			continue
		}
		for _, c := range credentials(v, red) {
			doc = strings.ReplaceAll(doc, c, secret.Mask(c))
		}
		f.docs[i] = doc
	}
	return f.join()
}

// credentials lists the strings Redact changed, longest first (so that no key's mask hides
// inside another's).
func credentials(v, red any) []string {
	var out []string
	var walk func(a, b any)
	walk = func(a, b any) {
		switch t := a.(type) {
		case map[string]any:
			for k, val := range t {
				walk(val, b.(map[string]any)[k])
			}
		case []any:
			for i, val := range t {
				walk(val, b.([]any)[i])
			}
		case string:
			if t != b && t != "" {
				out = append(out, t)
			}
		}
	}
	walk(v, red)
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// Origin is where a folder store read an object: its file and the line its document starts on.
type Origin struct {
	File string
	Line int
}

func (o Origin) String() string { return fmt.Sprintf("%s:%d", o.File, o.Line) }

// Originer is a store that can say where an object it read came from.
type Originer interface {
	Origin(namespace, name string) (Origin, bool)
}

// Origin is where this store last read (or wrote) namespace/name.
func (s *DirStore) Origin(namespace, name string) (Origin, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	loc, ok := s.seen[namespace+"/"+name]
	if !ok {
		return Origin{}, false
	}
	return Origin{File: loc.file, Line: loc.line}, true
}
