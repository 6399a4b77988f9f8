package aiproxy

import (
	"fmt"
	"github.com/higress-ai/higress-ai/internal/configjson"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/higress-ai/higress-ai/internal/secret"
)

// Types are the provider types the bundled plugin speaks, sorted.
var Types = []string{"azure", "deepseek", "generic", "groq", "mistral", "moonshot", "ollama", "openai", "openrouter", "qwen", "vllm"}

// Keyless reports a type that may have no upstream key (a self-hosted server).
func Keyless(typ string) bool { return typ == "vllm" || typ == "ollama" || typ == "generic" }

// needsBaseURL reports a type without a default endpoint.
func needsBaseURL(typ string) bool { return typ == "azure" || typ == "generic" }

// baseField is where a type's base URL is written.
func baseField(typ string) string {
	if typ == "azure" {
		return "azureServiceUrl"
	}
	return "openaiCustomUrl"
}

// Provider is one entry of providers[].
type Provider struct {
	raw map[string]any
}

func (p Provider) str(f string) string { s, _ := p.raw[f].(string); return s }

func (p Provider) ID() string   { return p.str("id") }
func (p Provider) Type() string { return p.str("type") }

// BaseURL is openaiCustomUrl, or azureServiceUrl for azure; "" for the type's default.
func (p Provider) BaseURL() string { return p.str(baseField(p.Type())) }

// APITokens are the upstream keys, oldest first. Never print them: MaskedTokens is for output.
func (p Provider) APITokens() []string {
	l, _ := configjson.StringList(p.raw, "apiTokens")
	return l
}

// MaskedTokens are the keys as listings show them.
func (p Provider) MaskedTokens() []string {
	var out []string
	for _, t := range p.APITokens() {
		out = append(out, secret.Mask(t))
	}
	return out
}

// ModelMapping is modelMapping as "pattern=target" pairs, sorted by pattern.
func (p Provider) ModelMapping() []string {
	m, _ := p.raw["modelMapping"].(map[string]any)
	var out []string
	for _, k := range sortedKeys(m) {
		v, _ := m[k].(string)
		out = append(out, k+"="+v)
	}
	return out
}

// AddToken adds a key beside the existing ones (a rotation starts: both work).
func (p Provider) AddToken(token string) error {
	if err := CheckToken(token); err != nil {
		return err
	}
	old := p.APITokens()
	if slices.Contains(old, token) {
		return fmt.Errorf("provider %q already holds that key", p.ID())
	}
	p.raw["apiTokens"] = configjson.List(append(old, token))
	return nil
}

// FinishRotation keeps only the newest key and returns how many it dropped.
func (p Provider) FinishRotation() int {
	old := p.APITokens()
	if len(old) <= 1 {
		return 0
	}
	p.raw["apiTokens"] = configjson.List(old[len(old)-1:])
	return len(old) - 1
}

// ProviderSpec is what provider add is given.
type ProviderSpec struct {
	ID      string
	Type    string
	BaseURL string
	// ModelMapping is "pattern=target" pairs ("" target keeps the model).
	ModelMapping []string
	Tokens       []string
}

var idRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$`)

// CheckID validates a provider id (it names the provider in rules and messages).
func CheckID(id string) error {
	if !idRE.MatchString(id) {
		return fmt.Errorf("invalid provider id %q: use 1 to 63 lower-case letters, digits, '-' or '.', starting and ending with a letter or digit", id)
	}
	return nil
}

// CheckToken refuses a key that cannot travel in a header. The key never appears in the message.
func CheckToken(t string) error {
	if strings.TrimSpace(t) == "" {
		return fmt.Errorf("empty upstream key")
	}
	for _, r := range t {
		if r < ' ' || r == 0x7f {
			return fmt.Errorf("upstream key contains control characters or line breaks")
		}
	}
	return nil
}

func (s ProviderSpec) build() (map[string]any, error) {
	if err := CheckID(s.ID); err != nil {
		return nil, err
	}
	if !slices.Contains(Types, s.Type) {
		return nil, fmt.Errorf("unknown provider type %q: use one of %s", s.Type, strings.Join(Types, ", "))
	}
	if len(s.Tokens) == 0 && !Keyless(s.Type) {
		return nil, fmt.Errorf("provider type %s needs an upstream key", s.Type)
	}
	if s.BaseURL == "" && needsBaseURL(s.Type) {
		return nil, fmt.Errorf("provider type %s needs a base URL", s.Type)
	}
	m := map[string]any{"id": s.ID, "type": s.Type}
	seen := map[string]bool{}
	var tokens []string
	for _, t := range s.Tokens {
		if err := CheckToken(t); err != nil {
			return nil, err
		}
		if !seen[t] {
			seen[t] = true
			tokens = append(tokens, t)
		}
	}
	if len(tokens) > 0 {
		m["apiTokens"] = configjson.List(tokens)
	}
	if s.BaseURL != "" {
		m[baseField(s.Type)] = s.BaseURL
	}
	if len(s.ModelMapping) > 0 {
		mm := map[string]any{}
		for _, pair := range s.ModelMapping {
			k, v, ok := strings.Cut(pair, "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("invalid model mapping %q: use pattern=target", pair)
			}
			mm[k] = v
		}
		m["modelMapping"] = mm
	}
	return m, nil
}

// checkBase checks a base URL as the plugin reads it: absolute http or https with a host.
func checkBase(raw string, azure bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL with a host", raw)
	}
	if azure && u.Query().Get("api-version") == "" {
		return fmt.Errorf("%q has no api-version query parameter", raw)
	}
	return nil
}
