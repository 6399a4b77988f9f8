// Package route holds the route commands: which consumers may call which routes, kept in the
// allow lists of the key-auth WasmPlugin's match rules.
package route

import (
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

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
	AuthOn     Auth = "on"     // the route's rule: only its allow list
	AuthGlobal Auth = "global" // global_auth: any consumer the global allow list admits
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
	keyAuth   *wasmplugin.Plugin
	auth      *keyauth.Config
	block     *wasmplugin.Plugin
	blockEnts []block.Entry
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

// ruleRoutes lists every route named in a match rule of the plugins.
func ruleRoutes(plugins ...*wasmplugin.Plugin) []string {
	var out []string
	for _, p := range plugins {
		if p == nil {
			continue
		}
		rules, _ := p.Rules()
		for _, r := range rules {
			out = append(out, r.Ingress()...)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// authOf says who may call a route under the key-auth plugin.
func (pol policy) authOf(route string, hosts []string) (auth Auth, consumers []string, rule string, err error) {
	if pol.keyAuth == nil {
		return AuthOff, nil, "", nil
	}
	r, ok, err := wasmplugin.Scope{Route: route, Hosts: hosts}.Effective(*pol.keyAuth)
	if err != nil {
		return "", nil, "", err
	}
	if ok {
		if r.Disabled() {
			return AuthOff, nil, r.Targets(), nil
		}
		names, has := keyauth.Allow(r.Config())
		if !has {
			return AuthOn, nil, r.Targets(), nil
		}
		return AuthOn, names, r.Targets(), nil
	}
	if g := pol.auth.GlobalAuth(); g != nil && *g && !pol.keyAuth.GlobalDisabled() {
		// The console writes allow: [] globally; an empty global list admits every consumer.
		names, _ := keyauth.Allow(pol.keyAuth.DefaultConfig())
		if len(names) == 0 {
			names = nil
		}
		return AuthGlobal, names, "", nil
	}
	return AuthOff, nil, "", nil
}

// blockedOn lists the words of the request-block rule that applies to a route; scope is the rule's
// targets, "global", or "" when no request-block config applies.
func (pol policy) blockedOn(route string, hosts []string) (words []string, scope string, err error) {
	if pol.block == nil {
		return nil, "", nil
	}
	if pol.blockEnts == nil {
		if pol.blockEnts, err = block.Entries(*pol.block); err != nil {
			return nil, "", err
		}
	}
	scope = "global"
	r, ok, err := wasmplugin.Scope{Route: route, Hosts: hosts}.Effective(*pol.block)
	if err != nil {
		return nil, "", err
	}
	if ok {
		scope = r.Targets()
	}
	for _, e := range pol.blockEnts {
		if e.Scope == scope && e.Enabled {
			words = append(words, e.Word)
		}
	}
	if len(words) == 0 {
		scope = ""
	}
	return words, scope, nil
}

// describe builds the Info of every route: Ingresses and routes named in match rules.
func describe(pol policy, ingresses []k8s.Route) ([]Info, error) {
	byName := map[string]*Info{}
	var names []string
	for _, ing := range ingresses {
		byName[ing.Name] = &Info{Route: ing.Name, Namespace: ing.Namespace, Ingress: true, Hosts: ing.Hosts}
		names = append(names, ing.Name)
	}
	for _, r := range ruleRoutes(pol.keyAuth, pol.block) {
		if byName[r] == nil {
			byName[r] = &Info{Route: r}
			names = append(names, r)
		}
	}
	sort.Strings(names)
	out := make([]Info, 0, len(names))
	for _, n := range names {
		in := byName[n]
		var err error
		if in.Auth, in.Consumers, in.AuthRule, err = pol.authOf(n, in.Hosts); err != nil {
			return nil, err
		}
		if in.BlockedWords, in.BlockRule, err = pol.blockedOn(n, in.Hosts); err != nil {
			return nil, err
		}
		if in.BlockedWords == nil {
			in.BlockedWords = []string{}
		}
		out = append(out, *in)
	}
	return out, nil
}

// findRoute looks a route up among the Ingresses and the routes named in match rules.
func findRoute(route string, ingresses []k8s.Route, pol policy) (k8s.Route, bool) {
	for _, r := range ingresses {
		if r.Name == route {
			return r, true
		}
	}
	return k8s.Route{Name: route}, slices.Contains(ruleRoutes(pol.keyAuth, pol.block), route)
}

func checkRouteName(route string) error {
	if route == "" {
		return cmdutil.FlagErrorf("empty route name")
	}
	return nil
}

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
