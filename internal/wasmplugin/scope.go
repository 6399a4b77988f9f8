package wasmplugin

import (
	"fmt"
	"net"
	"slices"
	"strings"
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

func (s Scope) covers(r Rule) bool {
	if s.Route != "" {
		if slices.Contains(r.Ingress(), s.Route) {
			return true
		}
		for _, d := range r.Domain() {
			for _, h := range s.Hosts {
				if DomainMatches(d, h) {
					return true
				}
			}
		}
		return false
	}
	return slices.Contains(r.Domain(), s.Domain)
}

// DomainMatches reports whether a match rule's domain (exact, or *.suffix) names a host.
func DomainMatches(pattern, host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	pattern, host = strings.ToLower(pattern), strings.ToLower(host)
	if suffix, ok := strings.CutPrefix(pattern, "*"); ok {
		return strings.HasSuffix(host, suffix) && len(host) > len(suffix)
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

// Effective returns the rule Higress applies to this scope's route or domain: the first rule that
// names it, alone or among others (or, for a route with Hosts, names one of its hosts).
func (s Scope) Effective(p Plugin) (Rule, bool, error) {
	rules, err := p.Rules()
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

// EnsureRule returns the rule this scope owns, adding one with config when there is none. Rules
// are tried in order and the first match wins, so a new rule goes just before the first rule that
// already names the route or domain among others; otherwise at the end. No other rule changes.
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
