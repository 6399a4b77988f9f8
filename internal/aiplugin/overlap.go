package aiplugin

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// HigressProxy is the plugin kind of Higress's own ai-proxy (the console's ai-proxy.internal).
const HigressProxy = "ai-proxy"

// Overlaps says, for each of the routes, which of Higress's own ai-proxy plugins would also
// proxy its requests: one whose enabled global config activates a provider (it then serves every
// route), or whose enabled rule naming the route does. Both plugins rewriting one request to two
// providers is never what was meant. The console's own layout (a global providers list without
// activeProviderId, one service rule per provider) overlaps nothing.
func Overlaps(ctx context.Context, store k8s.Store, namespace string, routes []string) ([]string, error) {
	others, err := wasmplugin.FindAll(ctx, store, namespace, HigressProxy)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, o := range others {
		if o.HasPluginConfig() {
			continue
		}
		global := !o.GlobalDisabled() && activates(o.DefaultConfig())
		rules, err := wasmplugin.Enabled(o)
		if err != nil {
			return nil, err
		}
		for _, route := range routes {
			hit := global
			for _, r := range rules {
				if slices.Contains(r.Ingress(), route) {
					hit = activates(r.Config())
					break
				}
			}
			if hit {
				out = append(out, fmt.Sprintf("route %s is also served by Higress's ai-proxy (wasmplugin %q)", route, o.Ref()))
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// activates reports a Higress ai-proxy config that makes a provider active.
func activates(cfg map[string]any) bool {
	if cfg == nil {
		return false
	}
	if _, one := cfg["provider"]; one {
		return true
	}
	id, _ := cfg["activeProviderId"].(string)
	return id != ""
}
