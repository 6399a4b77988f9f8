package wasmplugin

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// BuiltinRegistry is where Higress's own plugin images live.
const BuiltinRegistry = "oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/"

// Builtin describes one of Higress's built-in plugins as the console installs it.
type Builtin struct {
	Name        string
	Version     string
	Category    string
	Phase       string
	Priority    int64
	Internal    bool // the console names and labels it <name>.internal
	Title       string
	Description string
	// Defaults is the global config the console writes for a fresh instance.
	Defaults func() map[string]any
}

var builtins = map[string]Builtin{
	"key-auth": {Name: "key-auth", Version: "2.0.0", Category: "auth", Phase: "AUTHN", Priority: 310, Internal: true, Title: "Key Auth", Description: "Authentication based on API Key.",
		// The console's key-auth.internal: auth only where a route or domain rule asks for it, and a
		// placeholder key list because each consumer names its own.
		Defaults: func() map[string]any {
			return map[string]any{"global_auth": false, "allow": []any{}, "keys": []any{"x-higress-dummy-key"}, "consumers": []any{}}
		}},
	"request-block":      {Name: "request-block", Version: "2.0.0", Category: "security", Phase: "AUTHZ", Priority: 320, Title: "Request Block", Description: "Blocks requests by URL, header or body content."},
	"key-rate-limit":     {Name: "key-rate-limit", Version: "2.0.0", Category: "traffic", Phase: "UNSPECIFIED_PHASE", Priority: 10, Title: "Key Rate Limit"},
	"ai-proxy":           {Name: "ai-proxy", Version: "2.0.1", Category: "ai", Phase: "UNSPECIFIED_PHASE", Priority: 100, Title: "AI Proxy"},
	"ai-statistics":      {Name: "ai-statistics", Version: "2.0.1", Category: "ai", Phase: "UNSPECIFIED_PHASE", Priority: 900, Title: "AI Statistics"},
	"ai-token-ratelimit": {Name: "ai-token-ratelimit", Version: "2.0.1", Category: "ai", Phase: "UNSPECIFIED_PHASE", Priority: 600, Title: "AI Token Rate Limit"},
	"ai-quota":           {Name: "ai-quota", Version: "2.0.1", Category: "ai", Phase: "UNSPECIFIED_PHASE", Priority: 750, Title: "AI Quota"},
}

// LookupBuiltin returns the built-in plugin called name.
func LookupBuiltin(name string) (Builtin, bool) {
	b, ok := builtins[name]
	return b, ok
}

// ResourceName is the WasmPlugin name the console gives this plugin's instance.
func (b Builtin) ResourceName() string {
	if b.Internal {
		return b.Name + ".internal"
	}
	return b.Name + "-" + b.Version
}

// New returns a fresh WasmPlugin for this built-in plugin, shaped as the console writes it, with
// an empty global config that is enabled.
func (b Builtin) New(namespace string) Plugin {
	labels := map[string]any{
		LabelName:     b.Name,
		LabelVersion:  b.Version,
		LabelCategory: b.Category,
		LabelBuiltIn:  "true",
		LabelDefiner:  "higress",
	}
	if b.Internal {
		labels[LabelInternal] = "true"
	}
	annotations := map[string]any{AnnotationTitle: b.Title}
	defaults := map[string]any{}
	if b.Defaults != nil {
		defaults = b.Defaults()
	}
	if b.Description != "" {
		annotations[AnnotationDesc] = b.Description
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "extensions.higress.io/v1alpha1",
		"kind":       "WasmPlugin",
		"metadata": map[string]any{
			"name":        b.ResourceName(),
			"namespace":   namespace,
			"labels":      labels,
			"annotations": annotations,
		},
		"spec": map[string]any{
			"url":                  fmt.Sprintf("%s%s:%s", BuiltinRegistry, b.Name, b.Version),
			"phase":                b.Phase,
			"priority":             b.Priority,
			"failStrategy":         "FAIL_OPEN",
			"defaultConfig":        defaults,
			"defaultConfigDisable": false,
		},
	}}
	return Plugin{Obj: obj}
}

// BuiltinImage reports whether url is Higress's own image of plugin, as the console installs it
// (oci://higress-registry.<region>.cr.aliyuncs.com/plugins/<plugin>, the scheme optional, any
// region), and gives its tag or digest ("2.0.0", "sha256:..."; "" when the url has neither).
func BuiltinImage(url, plugin string) (ref string, ok bool) {
	u := url
	if scheme, rest, found := strings.Cut(u, "://"); found {
		if scheme != "oci" {
			return "", false
		}
		u = rest
	}
	host, repo, _ := strings.Cut(u, "/")
	if !strings.HasPrefix(host, "higress-registry.") || !strings.HasSuffix(host, ".cr.aliyuncs.com") {
		return "", false
	}
	rest, found := strings.CutPrefix(repo, "plugins/"+plugin)
	switch {
	case !found:
		return "", false
	case rest == "":
		return "", true
	case rest[0] == ':' || rest[0] == '@':
		return rest[1:], true
	}
	return "", false
}
