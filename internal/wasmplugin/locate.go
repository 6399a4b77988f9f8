package wasmplugin

import (
	"context"
	"fmt"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/termsafe"
)

// Target says which plugin instance an edit works on.
type Target struct {
	Namespace string
	Plugin    string // the plugin kind, e.g. "key-auth"
	Resource  string // an explicit WasmPlugin name (--plugin); empty to find it
}

// Find returns the WasmPlugin instance of t.Plugin: the named resource when t.Resource is set;
// else the console's <plugin>.internal; else the one instance whose name label or image says it
// is that plugin. It returns nil and no error when there is none, and an error when several
// instances would fit and the choice would be a guess.
func Find(ctx context.Context, store k8s.Store, t Target) (*Plugin, error) {
	if t.Resource != "" {
		if err := termsafe.Check("wasmplugin name", t.Resource); err != nil {
			return nil, err
		}
		obj, err := store.Get(ctx, t.Namespace, t.Resource)
		if err != nil {
			return nil, err
		}
		p := Plugin{Obj: obj}
		if got := p.PluginName(); got != t.Plugin {
			return nil, fmt.Errorf("wasmplugin %q is a %q plugin, not %s", p.Ref(), got, t.Plugin)
		}
		return &p, nil
	}
	internal := t.Plugin + ".internal"
	obj, err := store.Get(ctx, t.Namespace, internal)
	switch {
	case err == nil:
		return &Plugin{Obj: obj}, nil
	case !apierrors.IsNotFound(err):
		return nil, err
	}
	all, err := store.List(ctx, t.Namespace)
	if err != nil {
		return nil, err
	}
	var found []Plugin
	for _, o := range all {
		if p := (Plugin{Obj: o}); p.PluginName() == t.Plugin {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return &found[0], nil
	}
	names := make([]string, len(found))
	for i, p := range found {
		names[i] = p.Name()
	}
	sort.Strings(names)
	return nil, fmt.Errorf("several %s wasmplugins in namespace %q (%s): choose one with --plugin", t.Plugin, t.Namespace, strings.Join(names, ", "))
}

// FindAll returns every instance of the plugin kind in the namespace.
func FindAll(ctx context.Context, store k8s.Store, namespace, plugin string) ([]Plugin, error) {
	all, err := store.List(ctx, namespace)
	if err != nil {
		return nil, err
	}
	var out []Plugin
	for _, o := range all {
		if p := (Plugin{Obj: o}); p.PluginName() == plugin {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}
