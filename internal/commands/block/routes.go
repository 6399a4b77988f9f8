package block

import (
	"fmt"
	"strings"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// LookUpRoute finds a route among the Ingresses and the routes named in the plugins' match rules,
// for its hosts, and refuses one that nothing names (most often a typo) unless anyRoute. route
// bind and the block commands' --route share it.
func LookUpRoute(f *cmdutil.Factory, store k8s.Store, name string, anyRoute bool, plugins ...*wasmplugin.Plugin) (k8s.Route, error) {
	if err := CheckName("route", name); err != nil {
		return k8s.Route{}, err
	}
	ingresses, listErr := f.Routes(store)
	route, ok := wasmplugin.LookupRoute(name, ingresses, plugins...)
	switch {
	case ok || anyRoute:
		return route, nil
	case listErr != nil:
		return route, fmt.Errorf("cannot tell whether route %q exists (%v): use --any-route to go ahead anyway", name, listErr)
	}
	hint := ""
	if ns, _, found := strings.Cut(name, "/"); found && ns == f.Namespace() {
		hint = fmt.Sprintf(" (in namespace %s Higress names it without the namespace)", ns)
	}
	return route, fmt.Errorf("unknown route %q: no Ingress of class %s and no match rule names it%s; see higress-ai route list, or use --any-route", name, k8s.IngressClass, hint)
}

// CheckName refuses an empty route or domain name, and one holding control characters.
func CheckName(kind, name string) error {
	if strings.TrimSpace(name) == "" {
		return cmdutil.FlagErrorf("empty %s name", kind)
	}
	return termsafe.Check(kind+" name", name)
}

// routeOf looks up --route for the block commands: the routes the key-auth and request-block
// plugins name count as known.
func routeOf(f *cmdutil.Factory, store k8s.Store, name string, anyRoute bool, blockPlugin *wasmplugin.Plugin) (k8s.Route, error) {
	keyAuth, err := wasmplugin.Find(f.Context, store, wasmplugin.Target{Namespace: f.Namespace(), Plugin: keyauth.Plugin})
	if err != nil {
		return k8s.Route{}, err
	}
	return LookUpRoute(f, store, name, anyRoute, keyAuth, blockPlugin)
}
