package wasmplugin

import (
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"

	"github.com/higress-ai/higress-ai/internal/k8s"
)

// Scope is where a config applies: the plugin's global config, or the match rule of exactly one
// route or one domain.
type Scope struct {
	Route  string
	Domain string
	// Hosts are the route's hosts (from its Ingress), when known: a domain rule naming one of them
	// also governs the route, so Effective and EnsureRule take such rules into account.
	Hosts []string
}

// Global reports the global scope.
func (s Scope) Global() bool { return s.Route == "" && s.Domain == "" }

func (s Scope) String() string {
	switch {
	case s.Route != "":
		return "route " + s.Route
	case s.Domain != "":
		return "domain " + s.Domain
	}
	return "global"
}

// Check refuses a scope naming both a route and a domain.
func (s Scope) Check() error {
	if s.Route != "" && s.Domain != "" {
		return fmt.Errorf("choose a route or a domain, not both")
	}
	return nil
}

func (s Scope) owns(r Rule) bool {
	if s.Route != "" {
		return r.IsRoute(s.Route)
	}
	return r.IsDomain(s.Domain)
}

// covers reports a rule Higress would apply to the scope's requests if no rule before it did: one
// naming the route, or with a domain that matches one of the route's hosts (or the scope's domain).
func (s Scope) covers(r Rule) bool {
	if s.Route != "" {
		return slices.Contains(r.Ingress(), s.Route) || anyDomainMatches(r.Domain(), s.Hosts)
	}
	return anyDomainMatches(r.Domain(), []string{s.Domain})
}

func anyDomainMatches(patterns, hosts []string) bool {
	for _, d := range patterns {
		for _, h := range hosts {
			if DomainMatches(d, h) {
				return true
			}
		}
	}
	return false
}

// DomainMatches reports whether a match rule's domain (exact, *.suffix or prefix.*) names a host.
func DomainMatches(pattern, host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	pattern, host = strings.ToLower(pattern), strings.ToLower(host)
	if host == "" {
		return false
	}
	if suffix, ok := strings.CutPrefix(pattern, "*"); ok {
		return strings.HasSuffix(host, suffix) && len(host) > len(suffix)
	}
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(host, prefix) && len(host) > len(prefix)
	}
	return pattern == host
}

// Rule returns the rule this scope owns (whose only target is exactly its route or domain).
func (s Scope) Rule(p Plugin) (Rule, bool, error) {
	rules, err := p.Rules()
	if err != nil {
		return Rule{}, false, err
	}
	for _, r := range rules {
		if s.owns(r) {
			return r, true, nil
		}
	}
	return Rule{}, false, nil
}

// Effective returns the rule Higress applies to this scope's route or domain: the first enabled
// rule that names it, alone or among others (or, for a route with Hosts, names one of its hosts;
// for a domain, has a pattern matching it). Higress drops rules with configDisable: true, so a
// request they name falls through to the next matching rule, else the global config (ok false).
func (s Scope) Effective(p Plugin) (Rule, bool, error) {
	rules, err := Enabled(p)
	if err != nil {
		return Rule{}, false, err
	}
	for _, r := range rules {
		if s.covers(r) {
			return r, true, nil
		}
	}
	return Rule{}, false, nil
}

// Enabled returns the match rules Higress applies: those without configDisable: true, in order.
func Enabled(p Plugin) ([]Rule, error) {
	rules, err := p.Rules()
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(rules, Rule.Disabled), nil
}

// EnsureRule returns the rule this scope owns, adding one with config when there is none. Rules
// are tried in order and the first match wins, so a new rule goes just before the first rule
// (enabled or not) that already covers the route or domain: naming it among others, or a domain
// matching the route's Hosts or the scope's domain; otherwise at the end. No other rule changes.
func (s Scope) EnsureRule(p Plugin, config map[string]any) (Rule, bool, error) {
	if r, ok, err := s.Rule(p); err != nil || ok {
		return r, false, err
	}
	rules, _ := p.Rules()
	nr := NewRouteRule(s.Route, config)
	if s.Domain != "" {
		nr = NewDomainRule(s.Domain, config)
	}
	at := len(rules)
	for i, r := range rules {
		if s.covers(r) {
			at = i
			break
		}
	}
	p.SetRules(slices.Insert(rules, at, nr))
	return nr, true, nil
}

// RemoveRule deletes the rule this scope owns, if any.
func (s Scope) RemoveRule(p Plugin) error {
	rules, err := p.Rules()
	if err != nil {
		return err
	}
	p.SetRules(slices.DeleteFunc(rules, s.owns))
	return nil
}

// RuleRoutes lists every route named in a match rule of the plugins (nil ones are skipped),
// sorted, each once.
func RuleRoutes(plugins ...*Plugin) []string {
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

// KnownRoutes are the routes of a gateway as far as its Ingresses and the plugins' match rules
// tell: every Ingress, and every route named only in a rule (with no hosts), sorted by name.
func KnownRoutes(ingresses []k8s.Route, plugins ...*Plugin) []k8s.Route {
	out := slices.Clone(ingresses)
	for _, name := range RuleRoutes(plugins...) {
		if !slices.ContainsFunc(out, func(r k8s.Route) bool { return r.Name == name }) {
			out = append(out, k8s.Route{Name: name})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupRoute finds a route among the Ingresses (with its hosts) and the routes named in the
// plugins' match rules; ok is false when nothing names it.
func LookupRoute(name string, ingresses []k8s.Route, plugins ...*Plugin) (k8s.Route, bool) {
	for _, r := range KnownRoutes(ingresses, plugins...) {
		if r.Name == name {
			return r, true
		}
	}
	return k8s.Route{Name: name}, false
}
