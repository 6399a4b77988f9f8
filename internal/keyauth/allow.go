package keyauth

import "github.com/higress-ai/higress-ai/internal/configjson"

// Allow reads a route or domain rule's allow list. ok is false when the rule has no allow field.
func Allow(ruleConfig map[string]any) (names []string, ok bool) {
	if _, ok := ruleConfig["allow"]; !ok {
		return nil, false
	}
	names, _ = configjson.StringList(ruleConfig, "allow")
	return names, true
}

// SetAllow writes a rule's allow list; an empty list is written as [] (nobody may pass).
func SetAllow(ruleConfig map[string]any, names []string) {
	ruleConfig["allow"] = configjson.List(names)
}
