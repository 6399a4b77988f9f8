package wasmplugin

import (
	"fmt"
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
	// Services are the route's upstream services as "fqdn" or "fqdn:port" (from its Ingress), when
	// known: a rule naming one of them by service governs the route's requests.
	Services []string
	// Matcher is the rule matcher of the plugin's build (the zero value is the C++ one).
	Matcher Matcher
}

// RouteScope is the scope of a route, with the hosts and upstream services its Ingress gives it.
func RouteScope(r k8s.Route) Scope {
	return Scope{Route: r.Name, Hosts: r.Hosts, Services: r.Services}
}

// Matcher is one of Higress's two match-rule implementations; they sort a rule naming both a
// domain and a service differently.
type Matcher int

const (
	// MatcherCPP is plugins/wasm-cpp/common/route_rule_matcher.h (RouteRuleMatcher).
	MatcherCPP Matcher = iota
	// MatcherGo is higress-group/wasm-go pkg/matcher/rule_matcher.go (RuleMatcher).
	MatcherGo
)

// Category is what a match rule matches a request by, as both matchers sort rules: a rule naming
// a route (ingress) is a route rule whatever domain it names (the domain is never consulted),
// and with a service it matches only requests of that route going to that service.
type Category int

const (
	ByRoute           Category = iota // ingress: the request's route_name
	ByRouteAndService                 // ingress and service: route_name, then cluster_name
	ByDomain                          // domain: the request's :authority
	ByService                         // service: the request's upstream cluster (cluster_name)
)

// Category sorts the rule as the matcher does (route_rule_matcher.h parseRuleConfig /
// parseAuthRuleConfig; rule_matcher.go ParseRuleConfig): route first; then the C++ matcher takes
// service before domain (a domain-and-service rule matches by service), the Go one domain
// before service (it matches by domain).
func (r Rule) Category(m Matcher) Category {
	hasDomain, hasService := len(r.Domain()) > 0, len(r.Service()) > 0
	switch {
	case len(r.Ingress()) > 0 && hasService:
		return ByRouteAndService
	case len(r.Ingress()) > 0:
		return ByRoute
	case hasDomain && hasService && m == MatcherGo:
		return ByDomain
	case hasService:
		return ByService
	}
	return ByDomain
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

// covers reports a rule Higress would apply to the scope's requests if no rule before it did, by
// the rule's category: for a route, a rule naming it (and, with a service, one of the route's
// Services), a domain rule matching one of its Hosts, or a service rule naming one of its
// Services; for a domain, a domain rule matching it. A route whose services are not known gets
// no service rule.
func (s Scope) covers(r Rule) bool {
	switch r.Category(s.Matcher) {
	case ByRoute:
		return s.Route != "" && slices.Contains(r.Ingress(), s.Route)
	case ByRouteAndService:
		return s.Route != "" && slices.Contains(r.Ingress(), s.Route) && anyServiceMatches(r.Service(), s.Services)
	case ByService:
		return s.Route != "" && anyServiceMatches(r.Service(), s.Services)
	}
	if s.Route != "" {
		return anyDomainMatches(r.Domain(), s.Hosts)
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

// DomainMatches reports whether a match rule's domain names a host, as both matchers do
// (route_rule_matcher.h hostMatch, rule_matcher.go hostMatch): the port is stripped from the host;
// "*suffix" is a plain suffix match, so "*example.com" matches example.com itself (and
// badexample.com); "prefix*" a plain prefix match; anything else must be equal. Case matters.
func DomainMatches(pattern, host string) bool {
	host = stripPort(host)
	if host == "" {
		return false
	}
	if suffix, ok := strings.CutPrefix(pattern, "*"); ok {
		return strings.HasSuffix(host, suffix)
	}
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(host, prefix)
	}
	return pattern == host
}

// stripPort drops a port from a host as Envoy does: after the last ':' unless it is inside an
// IPv6 address in brackets.
func stripPort(host string) string {
	i := strings.LastIndexByte(host, ':')
	if i < 0 {
		return host
	}
	if j := strings.LastIndexByte(host, ']'); j > i {
		return host
	}
	return host[:i]
}

// anyServiceMatches reports a rule's service ("fqdn" or "fqdn:port") naming one of the route's
// upstream services ("fqdn" or "fqdn:port"), as both matchers compare it with the fqdn and port
// of the request's cluster_name (outbound|port||fqdn).
func anyServiceMatches(ruleServices, services []string) bool {
	for _, rs := range ruleServices {
		for _, svc := range services {
			fqdn, port, _ := strings.Cut(svc, ":")
			if rs == fqdn || (port != "" && rs == fqdn+":"+port) {
				return true
			}
		}
	}
	return false
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

// ConfigOf is the config Higress applies in the scope: the effective rule's config (its targets in
// where), else the global config ("global"); nil when none applies, where then says why.
func (s Scope) ConfigOf(p Plugin) (cfg map[string]any, where string, ruleIndex int, err error) {
	if err := p.CheckReadable(); err != nil {
		return nil, "", -1, err
	}
	r, ok, err := s.Effective(p)
	switch {
	case err != nil:
		return nil, "", -1, err
	case ok:
		cfg := r.Config()
		if cfg == nil {
			cfg = map[string]any{}
		}
		return cfg, r.Targets(), r.Index, nil
	case p.GlobalDisabled():
		return nil, "the global config is disabled (defaultConfigDisable: true)", -1, nil
	}
	return p.DefaultConfig(), "global", -1, nil
}

// RuleDomains lists the domains of the plugin's enabled domain rules (by the matcher's
// categories: a rule that also names a route is a route rule), sorted, each once.
func RuleDomains(p Plugin, m Matcher) ([]string, error) {
	rules, err := Enabled(p)
	var out []string
	for _, r := range rules {
		if r.Category(m) == ByDomain {
			out = append(out, r.Domain()...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), err
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
