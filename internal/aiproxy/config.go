// Package aiproxy is a typed view over the bundled ai-proxy plugin's config as the CLI edits it:
// providers (id, type, upstream keys, model mapping, base URL), the consumers' model lists and the
// keyAuth block (where key-auth runs and which names carry consumer keys). The view edits the maps
// in place, so every field it does not know, in the config and in each provider, is kept.
//
// The plugin lives beside the console's ai-proxy.internal under its own name (see Resource): its
// defaultConfig holds the shared config and is disabled, and each route bound to a provider gets a
// match rule carrying the whole config plus that route's activeProviderId (RuleConfig).
package aiproxy

import (
	"fmt"
	"github.com/higress-ai/higress-ai/internal/configjson"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
)

// Config is the plugin's shared config (its WasmPlugin's defaultConfig).
type Config struct {
	raw map[string]any
}

// Parse checks raw as the plugin's parser would (Check) and returns a view over it. Errors name
// the field, relative to the config object ("providers[1].apiTokens: ...").
func Parse(raw map[string]any) (*Config, error) {
	if err := checkShape(raw); err != nil {
		return nil, err
	}
	return &Config{raw: raw}, nil
}

// Raw is the underlying config object.
func (c *Config) Raw() map[string]any { return c.raw }

func (c *Config) providerList() []any {
	l, _ := c.raw["providers"].([]any)
	return l
}

// Providers in config order.
func (c *Config) Providers() []Provider {
	var out []Provider
	for _, item := range c.providerList() {
		out = append(out, Provider{raw: item.(map[string]any)})
	}
	return out
}

// Provider returns the provider with this id.
func (c *Config) Provider(id string) (Provider, bool) {
	for _, p := range c.Providers() {
		if p.ID() == id {
			return p, true
		}
	}
	return Provider{}, false
}

// ExistsError is returned when adding a provider whose id is taken.
type ExistsError struct{ ID string }

func (e *ExistsError) Error() string { return fmt.Sprintf("provider %q already exists", e.ID) }

// NotFoundError is returned for a provider id the config does not hold.
type NotFoundError struct{ ID string }

func (e *NotFoundError) Error() string { return fmt.Sprintf("provider %q not found", e.ID) }

// AddProvider appends a provider built from spec; the config must still pass Check.
func (c *Config) AddProvider(spec ProviderSpec) error {
	if _, ok := c.Provider(spec.ID); ok {
		return &ExistsError{ID: spec.ID}
	}
	m, err := spec.build()
	if err != nil {
		return err
	}
	c.raw["providers"] = append(c.providerList(), m)
	return Check(c.raw)
}

// RemoveProvider deletes the provider with this id and reports whether it was there.
func (c *Config) RemoveProvider(id string) bool {
	list := c.providerList()
	for i, item := range list {
		if item.(map[string]any)["id"] == id {
			c.raw["providers"] = append(list[:i:i], list[i+1:]...)
			return true
		}
	}
	return false
}

// consumerList is consumers[] (each {name, models}).
func (c *Config) consumerList() []any {
	l, _ := c.raw["consumers"].([]any)
	return l
}

// Models returns the models the consumer may call; ok is false when the config does not list it
// (then the plugin applies the non-consumer models list, if any).
func (c *Config) Models(consumer string) (models []string, ok bool) {
	for _, item := range c.consumerList() {
		m := item.(map[string]any)
		if m["name"] == consumer {
			list, _ := configjson.StringList(m, "models")
			return list, true
		}
	}
	return nil, false
}

// SetModels sets the consumer's model list, adding the consumer when absent. The patterns are
// exact names, prefix* or *.
func (c *Config) SetModels(consumer string, models []string) error {
	if consumer == "" {
		return fmt.Errorf("consumer name required")
	}
	if err := checkPatterns(models, "models"); err != nil {
		return err
	}
	for _, item := range c.consumerList() {
		m := item.(map[string]any)
		if m["name"] == consumer {
			m["models"] = configjson.List(models)
			return nil
		}
	}
	c.raw["consumers"] = append(c.consumerList(), map[string]any{"name": consumer, "models": configjson.List(models)})
	return nil
}

// RemoveConsumer drops the consumer's model list and reports whether there was one.
func (c *Config) RemoveConsumer(consumer string) bool {
	list := c.consumerList()
	for i, item := range list {
		if item.(map[string]any)["name"] == consumer {
			c.raw["consumers"] = append(list[:i:i], list[i+1:]...)
			return true
		}
	}
	return false
}

// Consumers lists the consumers that have a model list, in config order.
func (c *Config) Consumers() []string {
	var out []string
	for _, item := range c.consumerList() {
		if n, ok := item.(map[string]any)["name"].(string); ok {
			out = append(out, n)
		}
	}
	return out
}

// sharedFields are the top-level fields a bound route's rule copies from the shared config.
var sharedFields = []string{"providers", "consumers", "models", "keyAuth"}

// RuleConfig returns the config of a route bound to provider id: the shared config's fields
// (sharedFields, deep-copied) and activeProviderId, over the rule's previous config old (its
// other fields kept; nil for a new rule). Higress sends the plugin no global config when
// defaultConfigDisable is true, so each rule must be complete on its own.
func RuleConfig(shared map[string]any, id string, old map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range old {
		out[k] = v
	}
	for _, f := range sharedFields {
		if v, ok := shared[f]; ok {
			out[f] = runtime.DeepCopyJSONValue(v)
		} else {
			delete(out, f)
		}
	}
	out["activeProviderId"] = id
	return out
}

// ActiveProvider is a rule config's activeProviderId ("" when none).
func ActiveProvider(ruleConfig map[string]any) string {
	s, _ := ruleConfig["activeProviderId"].(string)
	return s
}

func checkPatterns(patterns []string, field string) error {
	for i, p := range patterns {
		if p == "" || (strings.Contains(p, "*") && !strings.HasSuffix(p, "*")) || strings.Count(p, "*") > 1 {
			return fmt.Errorf("%s[%d]: %q is not a model name, prefix* or *", field, i, p)
		}
		if err := termsafe.Check("model name", p); err != nil {
			return fmt.Errorf("%s[%d]: %w", field, i, err)
		}
	}
	return nil
}

// sortedKeys returns a map's keys sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// CheckModels validates a model list (exact names, prefix*, *).
func CheckModels(models []string) error { return checkPatterns(models, "models") }
