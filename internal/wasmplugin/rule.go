package wasmplugin

import "slices"

// Rule is one entry of spec.matchRules.
type Rule struct {
	raw   map[string]any
	Index int // position in spec.matchRules when read; -1 for a new rule
}

// NewRouteRule makes a rule for exactly one route (an ingress name) with the given config.
func NewRouteRule(route string, config map[string]any) Rule {
	return Rule{raw: map[string]any{"ingress": []any{route}, "config": config, "configDisable": false}, Index: -1}
}

// NewDomainRule makes a rule for exactly one domain with the given config.
func NewDomainRule(domain string, config map[string]any) Rule {
	return Rule{raw: map[string]any{"domain": []any{domain}, "config": config, "configDisable": false}, Index: -1}
}

func (r Rule) strings(field string) []string {
	list, _ := r.raw[field].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (r Rule) Ingress() []string { return r.strings("ingress") }
func (r Rule) Domain() []string  { return r.strings("domain") }
func (r Rule) Service() []string { return r.strings("service") }

// Disabled reports configDisable.
func (r Rule) Disabled() bool {
	b, _ := r.raw["configDisable"].(bool)
	return b
}

// Config is the rule's config object for reading: nil when absent. Reading never adds a field
// to the rule, so a rule the tool only looks at is written back as it was.
func (r Rule) Config() map[string]any {
	cfg, _ := r.raw["config"].(map[string]any)
	return cfg
}

// EditConfig is the rule's config object for changing, created empty when absent.
func (r Rule) EditConfig() map[string]any {
	cfg, ok := r.raw["config"].(map[string]any)
	if !ok {
		cfg = map[string]any{}
		r.raw["config"] = cfg
	}
	return cfg
}

// IsRoute reports a rule whose only target is exactly this one route.
func (r Rule) IsRoute(route string) bool {
	return slices.Equal(r.Ingress(), []string{route}) && len(r.Domain()) == 0 && len(r.Service()) == 0
}

// IsDomain reports a rule whose only target is exactly this one domain.
func (r Rule) IsDomain(domain string) bool {
	return slices.Equal(r.Domain(), []string{domain}) && len(r.Ingress()) == 0 && len(r.Service()) == 0
}

// Targets describes what the rule applies to, for messages: "route a, b; domain x".
func (r Rule) Targets() string {
	var parts []string
	add := func(kind string, names []string) {
		if len(names) > 0 {
			s := kind + " "
			for i, n := range names {
				if i > 0 {
					s += ", "
				}
				s += n
			}
			parts = append(parts, s)
		}
	}
	add("route", r.Ingress())
	add("domain", r.Domain())
	add("service", r.Service())
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += "; "
		}
		out += p
	}
	return out
}
