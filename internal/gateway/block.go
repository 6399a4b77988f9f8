package gateway

import (
	"fmt"
	"sort"

	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// BlockConfigAt reads the request-block config a scope owns: the global config, or the rule whose
// only target is the scope's route or domain; ok is false when the scope has no rule of its own.
// The config is the plugin's own map, so changes to it edit the plugin.
func BlockConfigAt(p wasmplugin.Plugin, s wasmplugin.Scope) (cfg *requestblock.Config, rule wasmplugin.Rule, ok bool, err error) {
	if err := p.CheckReadable(); err != nil {
		return nil, rule, false, err
	}
	raw := p.DefaultConfig()
	where := "spec.defaultConfig"
	if !s.Global() {
		r, ok, err := s.Rule(p)
		if err != nil || !ok {
			return nil, r, false, err
		}
		rule, raw = r, r.EditConfig()
		where = fmt.Sprintf("spec.matchRules[%d].config", r.Index)
	}
	if cfg, err = requestblock.Parse(raw); err != nil {
		return nil, rule, false, blockReadError(p, where, err)
	}
	return cfg, rule, true, nil
}

// BlockConfigFor is the request-block config Higress applies in a scope: the first enabled rule
// covering the route (or one of its hosts) or domain, else the global config. A nil config means
// none applies; where then says why, otherwise it names the config ("global" or the rule's targets).
func BlockConfigFor(p wasmplugin.Plugin, s wasmplugin.Scope) (cfg *requestblock.Config, where string, err error) {
	s.Matcher = requestblock.BuildOf(p.URL()).Matcher()
	raw, where, index, err := s.ConfigOf(p)
	if err != nil || raw == nil {
		return nil, where, err
	}
	if cfg, err = requestblock.Parse(raw); err != nil {
		at := "spec.defaultConfig"
		if index >= 0 {
			at = fmt.Sprintf("spec.matchRules[%d].config", index)
		}
		return nil, "", blockReadError(p, at, err)
	}
	return cfg, where, nil
}

func blockReadError(p wasmplugin.Plugin, where string, err error) error {
	return fmt.Errorf("cannot read the request-block config of wasmplugin %q: %s.%w", p.Ref(), where, err)
}

// BlockedWord is one word of a request-block plugin and where it applies.
type BlockedWord struct {
	Word          string `json:"word"`
	In            string `json:"in"`
	Scope         string `json:"scope"`
	CaseSensitive bool   `json:"caseSensitive"`
	Enabled       bool   `json:"enabled"`
}

// BlockedWords lists every word of a request-block plugin: the global ones, then each route or
// domain rule's, in rule order.
func BlockedWords(p wasmplugin.Plugin) ([]BlockedWord, error) {
	out := []BlockedWord{}
	build := requestblock.BuildOf(p.URL())
	add := func(raw map[string]any, scope string, enabled bool, where string) error {
		cfg, err := requestblock.Parse(raw)
		if err != nil {
			return blockReadError(p, where, err)
		}
		cs, _ := cfg.CaseSensitive(build)
		for _, w := range cfg.Words() {
			out = append(out, BlockedWord{Word: w.Text, In: string(w.In), Scope: scope, CaseSensitive: cs, Enabled: enabled})
		}
		return nil
	}
	if err := add(p.DefaultConfig(), "global", !p.GlobalDisabled(), "spec.defaultConfig"); err != nil {
		return nil, err
	}
	rules, err := p.Rules()
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		if err := add(r.Config(), r.Targets(), !r.Disabled(), fmt.Sprintf("spec.matchRules[%d].config", r.Index)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OwnRuleTargets names the enabled rules, which carry their own request-block config: Higress
// applies a rule's config instead of the global one, so global words do not reach them.
func OwnRuleTargets(p wasmplugin.Plugin) []string {
	rules, _ := wasmplugin.Enabled(p)
	var out []string
	for _, r := range rules {
		out = append(out, r.Targets())
	}
	sort.Strings(out)
	return out
}

// Verdict is what request-block does with a request in a scope.
type Verdict struct {
	requestblock.Verdict
	// Scope is the config that applied: "global", a rule's targets, or "none".
	Scope string `json:"scope"`
	// Applied is false when no request-block config applies to the request at all.
	Applied bool `json:"applied"`
}

// Evaluate decides a request in a scope as the request-block plugin p (nil: none installed) would,
// with its build's rules and warnings about what it would miss.
func Evaluate(p *wasmplugin.Plugin, scope wasmplugin.Scope, req requestblock.Request) (Verdict, error) {
	res := Verdict{Verdict: requestblock.Verdict{Warnings: []string{}}, Scope: "none"}
	if p == nil {
		return res, nil
	}
	cfg, where, err := BlockConfigFor(*p, scope)
	if err != nil {
		return res, err
	}
	warnings := []string{}
	if r, ok, _ := scope.Rule(*p); ok && r.Disabled() {
		inForce := "no request-block config"
		if cfg != nil {
			inForce = "the config for " + where
		}
		warnings = append(warnings, fmt.Sprintf("the rule for %s is disabled (configDisable: true): Higress applies %s instead", scope, inForce))
	}
	if cfg == nil {
		res.Warnings = append(warnings, "no request-block config applies here: "+where)
		return res, nil
	}
	res.Applied, res.Scope = true, where
	res.Verdict = requestblock.Evaluate(cfg, req, requestblock.BuildOf(p.URL()))
	res.Warnings = append(warnings, res.Warnings...)
	return res, nil
}
