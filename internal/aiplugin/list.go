package aiplugin

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// AIPlugins are the plugin kinds plugin list shows.
var AIPlugins = []string{aiproxy.Plugin, "ai-proxy", "key-auth", "request-block", "ai-statistics", "ai-token-ratelimit", "ai-quota"}

// PluginInfo is one AI-related WasmPlugin as plugin list shows it.
type PluginInfo struct {
	Name         string `json:"name"`
	Plugin       string `json:"plugin"`
	URL          string `json:"url"`
	Version      string `json:"version"`
	Pinned       bool   `json:"pinned"` // spec.sha256 or a digest in the url
	Phase        string `json:"phase"`
	Priority     int64  `json:"priority"`
	FailStrategy string `json:"failStrategy"`
	Scopes       string `json:"scopes"`
	// Console reports whether the Higress console lists it (the resource-definer label).
	Console bool `json:"console"`
}

// List returns every AI-related WasmPlugin of the namespace, by name.
func List(ctx context.Context, store k8s.Store, namespace string) ([]PluginInfo, error) {
	all, err := store.List(ctx, namespace)
	if err != nil {
		return nil, err
	}
	var out []PluginInfo
	for _, o := range all {
		p := wasmplugin.Plugin{Obj: o}
		kind := p.PluginName()
		if !slices.Contains(AIPlugins, kind) {
			continue
		}
		spec, _ := o.Object["spec"].(map[string]any)
		sha, _ := spec["sha256"].(string)
		fs, _ := spec["failStrategy"].(string)
		if fs == "" {
			fs = "FAIL_CLOSE" // Istio's default when unset
		}
		phase := p.Phase()
		if phase == "" {
			phase = "UNSPECIFIED_PHASE"
		}
		scopes, err := scopesOf(p)
		if err != nil {
			return nil, err
		}
		out = append(out, PluginInfo{
			Name: p.Name(), Plugin: kind, URL: p.URL(), Version: p.Version(),
			Pinned: sha != "" || strings.Contains(p.URL(), "@sha256:"),
			Phase:  phase, Priority: p.Priority(), FailStrategy: fs, Scopes: scopes,
			Console: o.GetLabels()[wasmplugin.LabelDefiner] == "higress",
		})
	}
	slices.SortFunc(out, func(a, b PluginInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// scopesOf says where Higress applies a plugin: "global" unless its global config is disabled,
// and how many enabled rules name routes, domains and services.
func scopesOf(p wasmplugin.Plugin) (string, error) {
	if p.HasPluginConfig() {
		return "global (pluginConfig)", nil
	}
	var parts []string
	if !p.GlobalDisabled() {
		parts = append(parts, "global")
	}
	enabled, err := wasmplugin.Enabled(p)
	if err != nil {
		return "", err
	}
	var routes, domains, services int
	for _, r := range enabled {
		routes += len(r.Ingress())
		if len(r.Ingress()) == 0 {
			domains += len(r.Domain())
		}
		services += len(r.Service())
	}
	for _, c := range []struct {
		n    int
		what string
	}{{routes, "route"}, {domains, "domain"}, {services, "service"}} {
		switch {
		case c.n == 1:
			parts = append(parts, "1 "+c.what)
		case c.n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", c.n, c.what))
		}
	}
	if len(parts) == 0 {
		return "none", nil
	}
	return strings.Join(parts, ", "), nil
}
