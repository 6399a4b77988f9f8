// Package wasmplugin is a view over a WasmPlugin resource: its image, the console's labels, its
// global config and its match rules. Config objects are free-form JSON; the view edits the maps in
// place, so every field it does not know survives a read-modify-write untouched.
package wasmplugin

import (
	"fmt"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Labels and annotations the Higress console reads and writes.
const (
	LabelName       = "higress.io/wasm-plugin-name"
	LabelVersion    = "higress.io/wasm-plugin-version"
	LabelCategory   = "higress.io/wasm-plugin-category"
	LabelBuiltIn    = "higress.io/wasm-plugin-built-in"
	LabelDefiner    = "higress.io/resource-definer"
	LabelInternal   = "higress.io/internal"
	AnnotationTitle = "higress.io/wasm-plugin-title"
	AnnotationDesc  = "higress.io/wasm-plugin-description"
)

// Plugin wraps one WasmPlugin object.
type Plugin struct {
	Obj *unstructured.Unstructured
}

func (p Plugin) Name() string      { return p.Obj.GetName() }
func (p Plugin) Namespace() string { return p.Obj.GetNamespace() }

// Ref is "namespace/name", as error messages quote it.
func (p Plugin) Ref() string { return p.Namespace() + "/" + p.Name() }

func (p Plugin) spec() map[string]any {
	spec, ok := p.Obj.Object["spec"].(map[string]any)
	if !ok {
		spec = map[string]any{}
		p.Obj.Object["spec"] = spec
	}
	return spec
}

func (p Plugin) str(field string) string {
	s, _ := p.spec()[field].(string)
	return s
}

func (p Plugin) URL() string   { return p.str("url") }
func (p Plugin) Phase() string { return p.str("phase") }

// Priority is spec.priority, 0 when unset.
func (p Plugin) Priority() int64 {
	switch v := p.spec()["priority"].(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	}
	return 0
}

// PluginName is what kind of plugin this is: the console's name label, else the image name from
// the url ("oci://host/plugins/key-auth:2.0.0" is key-auth).
func (p Plugin) PluginName() string {
	if n := p.Obj.GetLabels()[LabelName]; n != "" {
		return n
	}
	return ImageName(p.URL())
}

// Version is the console's version label, else the url's tag.
func (p Plugin) Version() string {
	if v := p.Obj.GetLabels()[LabelVersion]; v != "" {
		return v
	}
	u := p.URL()
	if i := strings.LastIndex(u, "@"); i >= 0 {
		return u[i+1:]
	}
	if i := strings.LastIndex(u, ":"); i > strings.LastIndex(u, "/") {
		return u[i+1:]
	}
	return ""
}

// ImageName extracts the plugin's name from a WasmPlugin url: the last path element without tag
// or digest; for a file url ending in plugin.wasm or NAME.wasm, the folder or file name.
func ImageName(url string) string {
	u := url
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.Index(u, "@"); i >= 0 {
		u = u[:i]
	}
	base := path.Base(u)
	if i := strings.LastIndex(base, ":"); i >= 0 {
		base = base[:i]
	}
	if strings.HasSuffix(base, ".wasm") {
		if base == "plugin.wasm" {
			dir := path.Dir(u)
			// http://host/plugins/key-auth/1.0.0/plugin.wasm: skip a version folder.
			if b := path.Base(dir); b != "" && b[0] >= '0' && b[0] <= '9' {
				dir = path.Dir(dir)
			}
			return path.Base(dir)
		}
		return strings.TrimSuffix(base, ".wasm")
	}
	return base
}

// DefaultConfig is spec.defaultConfig, created empty when absent so callers can fill it.
func (p Plugin) DefaultConfig() map[string]any {
	spec := p.spec()
	cfg, ok := spec["defaultConfig"].(map[string]any)
	if !ok {
		cfg = map[string]any{}
		spec["defaultConfig"] = cfg
	}
	return cfg
}

// HasPluginConfig reports spec.pluginConfig, which makes Higress ignore defaultConfig and matchRules.
func (p Plugin) HasPluginConfig() bool {
	_, ok := p.spec()["pluginConfig"]
	return ok
}

// CheckReadable refuses a plugin whose spec.pluginConfig is set: Higress then applies it instead
// of defaultConfig and matchRules, the only configs this tool reads and edits.
func (p Plugin) CheckReadable() error {
	if p.HasPluginConfig() {
		return fmt.Errorf("wasmplugin %q sets spec.pluginConfig, which Higress applies instead of defaultConfig and matchRules; this tool reads and edits those only", p.Ref())
	}
	return nil
}

// GlobalDisabled reports spec.defaultConfigDisable.
func (p Plugin) GlobalDisabled() bool {
	b, _ := p.spec()["defaultConfigDisable"].(bool)
	return b
}

// Rules returns views of spec.matchRules in order. A rule that is not an object is an error,
// reported with its position.
func (p Plugin) Rules() ([]Rule, error) {
	raw, ok := p.spec()["matchRules"]
	if !ok || raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("wasmplugin %q: spec.matchRules is not a list", p.Ref())
	}
	rules := make([]Rule, 0, len(list))
	for i, r := range list {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("wasmplugin %q: spec.matchRules[%d] is not an object", p.Ref(), i)
		}
		rules = append(rules, Rule{raw: m, Index: i})
	}
	return rules, nil
}

// SetRules replaces spec.matchRules with rules, in that order; no rules removes the field.
func (p Plugin) SetRules(rules []Rule) {
	if len(rules) == 0 {
		delete(p.spec(), "matchRules")
		return
	}
	list := make([]any, len(rules))
	for i, r := range rules {
		list[i] = r.raw
	}
	p.spec()["matchRules"] = list
}

// Validate checks what would make Higress reject the whole resource.
func (p Plugin) Validate() error {
	rules, err := p.Rules()
	if err != nil {
		return err
	}
	for _, r := range rules {
		if len(r.Ingress())+len(r.Domain())+len(r.Service()) == 0 {
			return fmt.Errorf("wasmplugin %q: spec.matchRules[%d] names no ingress, domain or service (Higress would reject the whole resource)", p.Ref(), r.Index)
		}
	}
	return nil
}
