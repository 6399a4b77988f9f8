// Package keyauth is a typed view over Higress key-auth's config: consumers with their
// credentials, where keys are read, and route allow lists. The view edits the underlying maps in
// place, so fields it does not know, in the config and in each consumer, are kept as they were.
package keyauth

import (
	"fmt"
	"github.com/higress-ai/higress-ai/internal/configjson"
	"regexp"
	"strings"

	"github.com/higress-ai/higress-ai/internal/secret"
)

// Plugin is the name of the key-auth plugin.
const Plugin = "key-auth"

// Config is key-auth's global config (a WasmPlugin's defaultConfig).
type Config struct {
	raw   map[string]any
	build Build
}

// Parse checks the parts of raw that this tool reads and returns a view over it. Errors say
// where, relative to the config object ("consumers[2].credentials: ...").
func Parse(raw map[string]any) (*Config, error) {
	c := &Config{raw: raw, build: CPP}
	if v, ok := raw["consumers"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("consumers: must be a list")
		}
		for i, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("consumers[%d]: must be an object", i)
			}
			if err := checkConsumer(m); err != nil {
				return nil, fmt.Errorf("consumers[%d]%s", i, err)
			}
		}
	}
	if _, err := configjson.StringList(raw, "keys"); err != nil {
		return nil, err
	}
	if _, err := configjson.StringList(raw, "allow"); err != nil {
		return nil, err
	}
	return c, nil
}

func checkConsumer(m map[string]any) error {
	if n, ok := m["name"].(string); !ok || n == "" {
		return fmt.Errorf(".name: must be a non-empty string")
	}
	_, hasOne := m["credential"]
	_, hasMany := m["credentials"]
	if hasOne {
		if _, ok := m["credential"].(string); !ok {
			return fmt.Errorf(".credential: must be a string")
		}
	}
	if _, err := configjson.StringList(m, "credentials"); err != nil {
		return fmt.Errorf(".%w", err)
	}
	if !hasOne && !hasMany {
		return fmt.Errorf(" (%q): has neither credential nor credentials", m["name"])
	}
	if hasOne && hasMany {
		return fmt.Errorf(" (%q): has both credential and credentials, which key-auth refuses to load", m["name"])
	}
	if _, err := configjson.StringList(m, "keys"); err != nil {
		return fmt.Errorf(".%w", err)
	}
	return nil
}

// ReadAs reads the config with the rules of build b where the builds differ (which keys a
// consumer's key is read from); Parse reads it as the C++ build.
func (c *Config) ReadAs(b Build) *Config {
	c.build = b
	return c
}

// GlobalAuth is global_auth: nil when unset (then auth is global only if no rule exists).
func (c *Config) GlobalAuth() *bool {
	b, ok := c.raw["global_auth"].(bool)
	if !ok {
		return nil
	}
	return &b
}

// Keys are the global header or query names that carry a key.
func (c *Config) Keys() []string {
	k, _ := configjson.StringList(c.raw, "keys")
	return k
}

func (c *Config) list() []any {
	l, _ := c.raw["consumers"].([]any)
	return l
}

// Consumers in config order.
func (c *Config) Consumers() []Consumer {
	var out []Consumer
	for _, item := range c.list() {
		out = append(out, Consumer{raw: item.(map[string]any), cfg: c})
	}
	return out
}

// Consumer returns the consumer called name.
func (c *Config) Consumer(name string) (Consumer, bool) {
	for _, cons := range c.Consumers() {
		if cons.Name() == name {
			return cons, true
		}
	}
	return Consumer{}, false
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// NoConsumer is the name Higress's metrics (ai-statistics' ai_consumer label) give a request
// without a consumer: a consumer of that name could not be told apart from no consumer.
const NoConsumer = "none"

// CheckName validates a consumer name.
func CheckName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("invalid consumer name %q: use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit", name)
	}
	if name == NoConsumer {
		return fmt.Errorf("invalid consumer name %q: the gateway's metrics use it for requests without a consumer", name)
	}
	return nil
}

// Holder returns the consumer that already holds key, in any of its credentials and in either
// form (plain or "Bearer <key>").
func (c *Config) Holder(key string) (string, bool) {
	want := token(key)
	for _, cons := range c.Consumers() {
		for _, cred := range cons.Credentials() {
			if token(cred) == want {
				return cons.Name(), true
			}
		}
	}
	return "", false
}

// token strips a Bearer scheme so the same secret is recognised in both forms.
func token(cred string) string {
	if len(cred) > 7 && strings.EqualFold(cred[:7], "bearer ") {
		return strings.TrimSpace(cred[7:])
	}
	return cred
}

// Source says where a new consumer presents its key.
type Source struct {
	Header string // header name; "" with Query set means a query parameter
	Query  string
	Bearer bool // the header is Authorization carrying "Bearer <key>"
}

// BearerSource is how OpenAI SDK clients send keys, and how the console stores bearer consumers.
var BearerSource = Source{Header: "Authorization", Bearer: true}

// AddConsumer appends a consumer in the console's format. It refuses a name that exists and a key
// that another consumer holds.
func (c *Config) AddConsumer(name, key string, src Source) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if _, ok := c.Consumer(name); ok {
		return &ExistsError{Name: name}
	}
	if err := CheckKey(key); err != nil {
		return err
	}
	if holder, ok := c.Holder(key); ok {
		return fmt.Errorf("that key is already held by consumer %q: keys must be unique", holder)
	}
	m := map[string]any{"name": name}
	switch {
	case src.Query != "":
		m["credentials"] = []any{key}
		m["keys"] = []any{src.Query}
		m["in_header"] = false
		m["in_query"] = true
	case src.Bearer:
		m["credentials"] = []any{"Bearer " + key}
		m["keys"] = []any{"Authorization"}
		m["in_header"] = true
		m["in_query"] = false
	default:
		m["credentials"] = []any{key}
		m["keys"] = []any{src.Header}
		m["in_header"] = true
		m["in_query"] = false
	}
	c.raw["consumers"] = append(c.list(), m)
	return nil
}

// ExistsError is returned when adding a consumer whose name is taken.
type ExistsError struct{ Name string }

func (e *ExistsError) Error() string { return fmt.Sprintf("consumer %q already exists", e.Name) }

// RemoveConsumer deletes the consumer called name and reports whether it was there.
func (c *Config) RemoveConsumer(name string) bool {
	list := c.list()
	for i, item := range list {
		if item.(map[string]any)["name"] == name {
			c.raw["consumers"] = append(list[:i:i], list[i+1:]...)
			return true
		}
	}
	return false
}

// MinKeyLength is the shortest key accepted.
const MinKeyLength = 16

// CheckKey refuses keys that are short or cannot travel in a header as given: a space of any kind
// (no-break and the other Unicode spaces too), a control or an invisible format character, or
// bytes that are not UTF-8. The key itself never appears in the message.
func CheckKey(key string) error {
	if len(key) < MinKeyLength {
		return fmt.Errorf("key too short: %d characters, at least %d required", len(key), MinKeyLength)
	}
	if err := secret.CheckPrintable(key, "key"); err != nil {
		return err
	}
	for _, r := range key {
		if secret.IsSpace(r) {
			return fmt.Errorf("the key holds a space (%U)", r)
		}
	}
	return nil
}

// ConsoleResetsGlobalAuth is what to tell whoever relies on global_auth: true: the console's
// KeyAuthCredentialHandler (higress-console, saveCredential) writes global_auth: false on every
// consumer save.
const ConsoleResetsGlobalAuth = "the Higress console writes global_auth: false whenever it saves a consumer: after such a save, routes without a key-auth rule need no key at all (run higress-ai route list to check)"
