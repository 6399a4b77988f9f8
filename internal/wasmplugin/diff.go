package wasmplugin

import (
	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/aymanbagabas/go-udiff/myers"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/secret"
)

// Diff is what the edit changes, credentials masked: in a folder, the unified diff of the file
// it writes (its path in the header, the file's own line numbers); on a cluster, Diff of the
// object before and after.
func (r Result) Diff() string {
	if p, ok := r.store.(k8s.Previewer); ok && r.Plugin.Obj != nil {
		if fc, err := p.Preview(r.Plugin.Obj, r.Created); err == nil {
			return FileDiff(fc)
		}
	}
	return Diff(r.Before, r.Plugin.Obj)
}

// FileDiff is the unified diff of a file change, line-based, with three lines of context.
func FileDiff(fc k8s.FileChange) string {
	from := fc.File
	if fc.New {
		from = "/dev/null"
	}
	out, err := udiff.ToUnified(from, fc.File, fc.Before, myers.ComputeEdits(fc.Before, fc.After), 3)
	if err != nil {
		return err.Error()
	}
	return out
}

// Diff is a unified diff between two versions of a WasmPlugin as YAML, credentials masked and the
// server's bookkeeping (resourceVersion, managedFields, ...) left out. before may be nil (a create).
func Diff(before, after *unstructured.Unstructured) string {
	name := "wasmplugin/" + after.GetName()
	old, cur := diffText(before), diffText(after)
	// Line-based edits: the default character-level diff shows a changed neighbour line as
	// removed and re-added, which reads as a change that did not happen.
	out, err := udiff.ToUnified(name+" (before)", name+" (after)", old, myers.ComputeEdits(old, cur), 3)
	if err != nil {
		return err.Error()
	}
	return out
}

func diffText(obj *unstructured.Unstructured) string {
	if obj == nil {
		return ""
	}
	c := obj.DeepCopy()
	for _, f := range []string{"resourceVersion", "managedFields", "generation", "uid", "creationTimestamp"} {
		unstructured.RemoveNestedField(c.Object, "metadata", f)
	}
	delete(c.Object, "status")
	b, err := yaml.Marshal(secret.Redact(c.Object))
	if err != nil {
		return err.Error()
	}
	return string(b)
}
