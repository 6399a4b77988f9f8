// Package route holds the route commands: which consumers may call which routes, kept in the
// allow lists of the key-auth WasmPlugin's match rules.
package route

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/access"
	"github.com/higress-ai/higress-ai/internal/commands/block"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/commands/consumer"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// NewCmdRoute groups the route verbs.
func NewCmdRoute(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "route <command>",
		Short:   "Manage which consumers may call which routes",
		Aliases: []string{"routes"},
		Long: `A route is an Ingress of class higress, named as Higress names it in match rules: bare in
Higress's namespace (-n), namespace/name elsewhere. Binding consumers to a route writes the allow
list of the key-auth match rule for exactly that route; once a route has such a rule, only the
consumers it allows may call it.`,
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdBind(f, nil), NewCmdUnbind(f, nil))
	return cmd
}

// Auth says who may call a route.
type Auth string

const (
	AuthOff    Auth = "off"    // no key needed
	AuthOn     Auth = "on"     // the rule in force: only its allow list
	AuthGlobal Auth = "global" // no rule, and global_auth (true, or unset while no rule exists): any consumer's key
)

// Info is one route as route list -o json prints it.
type Info struct {
	Route     string   `json:"route"`
	Namespace string   `json:"namespace,omitempty"`
	Ingress   bool     `json:"ingress"` // an Ingress of class higress exists for it
	Hosts     []string `json:"hosts,omitempty"`
	Auth      Auth     `json:"auth"`
	// Consumers are the consumers allowed; null when auth is off or any consumer may call it.
	Consumers []string `json:"consumers"`
	// AuthRule and BlockRule name the match rules in force ("route a, b"); empty when none.
	AuthRule     string   `json:"authRule,omitempty"`
	BlockRule    string   `json:"blockRule,omitempty"`
	BlockedWords []string `json:"blockedWords"`
}

// policy is the key-auth and request-block plugins of a namespace, either possibly absent.
type policy struct {
	keyAuth *wasmplugin.Plugin
	auth    *keyauth.Config
	block   *wasmplugin.Plugin
}

func loadPolicy(f *cmdutil.Factory, store k8s.Store, keyAuthName string) (policy, error) {
	var pol policy
	var err error
	if pol.keyAuth, err = wasmplugin.Find(f.Context, store, consumer.Target(f, keyAuthName)); err != nil {
		return pol, err
	}
	if pol.keyAuth != nil {
		if pol.auth, err = consumer.ParseConfig(*pol.keyAuth); err != nil {
			return pol, err
		}
	}
	bt := wasmplugin.Target{Namespace: f.Namespace(), Plugin: requestblock.Plugin}
	if pol.block, err = wasmplugin.Find(f.Context, store, bt); err != nil {
		return pol, err
	}
	return pol, nil
}

// authOf says who may call a route under the key-auth plugin.
func (pol policy) authOf(route k8s.Route) (auth Auth, consumers []string, rule string, err error) {
	g, err := access.GateOn(pol.keyAuth, pol.auth, wasmplugin.RouteScope(route))
	switch {
	case err != nil:
		return "", nil, "", err
	case !g.Key:
		return AuthOff, nil, g.Rule, nil
	case g.Rule == "":
		return AuthGlobal, nil, "", nil
	}
	return AuthOn, g.Allow, g.Rule, nil
}

// blockedOn lists the words of the request-block config that applies to a route, as the plugin's
// build applies them; scope is the rule's targets, "global", or "" when no word applies.
func (pol policy) blockedOn(route k8s.Route) (words []string, scope string, err error) {
	if pol.block == nil {
		return nil, "", nil
	}
	cfg, scope, err := block.ConfigFor(*pol.block, wasmplugin.RouteScope(route))
	if err != nil || cfg == nil {
		return nil, "", err
	}
	build := requestblock.BuildOf(pol.block.URL())
	for _, w := range cfg.Words() {
		if cfg.Blocks(w, build) {
			words = append(words, w.Text)
		}
	}
	if len(words) == 0 {
		scope = ""
	}
	return words, scope, nil
}

// describe builds the Info of every route: Ingresses and routes named in match rules.
func describe(pol policy, ingresses []k8s.Route) ([]Info, error) {
	routes := wasmplugin.KnownRoutes(ingresses, pol.keyAuth, pol.block)
	out := make([]Info, 0, len(routes))
	for _, r := range routes {
		in := Info{Route: r.Name, Namespace: r.Namespace, Ingress: r.Ingress != "", Hosts: r.Hosts}
		var err error
		if in.Auth, in.Consumers, in.AuthRule, err = pol.authOf(r); err != nil {
			return nil, err
		}
		if in.BlockedWords, in.BlockRule, err = pol.blockedOn(r); err != nil {
			return nil, err
		}
		if in.BlockedWords == nil {
			in.BlockedWords = []string{}
		}
		out = append(out, in)
	}
	return out, nil
}

func checkRouteName(route string) error { return block.CheckName("route", route) }

func formatConsumers(auth Auth, names []string) string {
	switch {
	case auth == AuthOff:
		return "(anyone, no key)"
	case names == nil:
		return "(any consumer)"
	case len(names) == 0:
		return "(nobody)"
	}
	return strings.Join(names, ",")
}
