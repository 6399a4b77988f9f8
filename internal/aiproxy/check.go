package aiproxy

import (
	"fmt"
	"github.com/higress-ai/higress-ai/internal/configjson"
	"regexp"
	"slices"
	"strings"
)

// Check refuses a config the bundled plugin would refuse to load, with the plugin's own rules
// (internal/wasm/ai-proxy/config): a providers list of objects with a unique id, a known type, keys
// unless the type is keyless, a base URL where the type has none, model mapping patterns;
// activeProviderId naming a provider; consumers with unique names and model patterns, and then a
// keyAuth block (the plugin trusts no consumer header without one). Values of keys never appear in
// an error.
func Check(raw map[string]any) error {
	if err := checkShape(raw); err != nil {
		return err
	}
	if _, hasOne := raw["provider"]; hasOne {
		if _, hasList := raw["providers"]; hasList {
			return fmt.Errorf("provider: give provider or providers with activeProviderId, not both")
		}
	}
	ids := map[string]bool{}
	providers, _ := raw["providers"].([]any)
	for i, item := range providers {
		field := fmt.Sprintf("providers[%d]", i)
		p := item.(map[string]any)
		if err := checkProvider(p, field); err != nil {
			return err
		}
		id := p["id"].(string)
		if ids[id] {
			return fmt.Errorf("%s.id: %q given twice", field, id)
		}
		ids[id] = true
	}
	if v, ok := raw["activeProviderId"]; ok {
		id, ok := v.(string)
		if !ok {
			return fmt.Errorf("activeProviderId: must be a string")
		}
		if id != "" && !ids[id] {
			return fmt.Errorf("activeProviderId: no provider has id %q", id)
		}
	}
	names := map[string]bool{}
	consumers, _ := raw["consumers"].([]any)
	for i, item := range consumers {
		field := fmt.Sprintf("consumers[%d]", i)
		m, ok := item.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: must be an object {name, models}", field)
		}
		name, _ := m["name"].(string)
		if name == "" {
			return fmt.Errorf("%s.name: required", field)
		}
		if names[name] {
			return fmt.Errorf("%s.name: %q given twice", field, name)
		}
		names[name] = true
		models, err := configjson.StringList(m, "models")
		if err != nil {
			return fmt.Errorf("%s.%w", field, err)
		}
		if err := checkPatterns(models, field+".models"); err != nil {
			return err
		}
	}
	models, err := configjson.StringList(raw, "models")
	if err != nil {
		return err
	}
	if err := checkPatterns(models, "models"); err != nil {
		return err
	}
	if _, err := ParseKeyAuth(raw); err != nil {
		return err
	}
	if len(names) > 0 {
		if _, ok := raw["keyAuth"]; !ok {
			return fmt.Errorf("keyAuth: required with per-consumer model lists: the plugin trusts X-Mse-Consumer only where key-auth ran")
		}
	}
	return nil
}

// checkShape checks the types of the fields the view reads, so its accessors need no errors.
// An absent providers list is written empty (the plugin needs provider or providers); absent
// consumers stay absent (the plugin refuses even an empty list without a keyAuth block).
func checkShape(raw map[string]any) error {
	if v, ok := raw["providers"]; !ok || v == nil {
		if _, one := raw["provider"]; !one {
			raw["providers"] = []any{}
		}
	}
	for _, f := range []string{"providers", "consumers"} {
		v, ok := raw[f]
		if !ok || v == nil {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: must be a list", f)
		}
		for i, item := range list {
			if _, ok := item.(map[string]any); !ok {
				return fmt.Errorf("%s[%d]: must be an object", f, i)
			}
		}
	}
	return nil
}

func checkProvider(p map[string]any, field string) error {
	id, _ := p["id"].(string)
	if id == "" {
		return fmt.Errorf("%s.id: required in a providers list: activeProviderId chooses a provider by it", field)
	}
	typ, _ := p["type"].(string)
	if !slices.Contains(Types, typ) {
		return fmt.Errorf("%s.type: unknown provider type %q: use one of %s", field, typ, strings.Join(Types, ", "))
	}
	tokens, err := configjson.StringList(p, "apiTokens")
	if err != nil {
		return fmt.Errorf("%s.%w", field, err)
	}
	if len(tokens) == 0 && !Keyless(typ) {
		return fmt.Errorf("%s.apiTokens: required: at least one upstream key", field)
	}
	for i, t := range tokens {
		if err := CheckToken(t); err != nil {
			return fmt.Errorf("%s.apiTokens[%d]: %w", field, i, err)
		}
	}
	if v, ok := p["modelMapping"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s.modelMapping: must be an object {pattern: target}", field)
		}
		for _, k := range sortedKeys(m) {
			if _, ok := m[k].(string); !ok {
				return fmt.Errorf("%s.modelMapping: the target of %q must be a string", field, k)
			}
			if expr, ok := strings.CutPrefix(k, "~"); ok {
				if _, err := regexp.Compile(expr); err != nil {
					return fmt.Errorf("%s.modelMapping: key %q is not a regular expression: %v", field, k, err)
				}
			} else if err := checkPatterns([]string{k}, field+".modelMapping"); err != nil {
				return fmt.Errorf("%s.modelMapping: key %q is not a model name, prefix*, ~regex or *", field, k)
			}
		}
	}
	bf := baseField(typ)
	base, _ := p[bf].(string)
	if v, ok := p[bf]; ok {
		if _, isStr := v.(string); !isStr {
			return fmt.Errorf("%s.%s: must be a string", field, bf)
		}
	}
	switch {
	case base == "" && needsBaseURL(typ):
		return fmt.Errorf("%s.%s: required for %s", field, bf, typ)
	case base != "":
		if err := checkBase(base, typ == "azure"); err != nil {
			return fmt.Errorf("%s.%s: %w", field, bf, err)
		}
	}
	return nil
}
