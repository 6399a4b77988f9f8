// Package requestblock is a typed view over Higress request-block's config (blocked words in the
// URL, headers and body) and a matcher that evaluates it exactly as the gateway does, for either
// of the plugin's two builds (see Build). The view edits the underlying map in place, so fields it
// does not know are kept.
package requestblock

import (
	"fmt"
	"github.com/higress-ai/higress-ai/internal/configjson"
	"regexp"
	"slices"
	"strings"

	"github.com/higress-ai/higress-ai/internal/termsafe"
)

// Plugin is the name of the request-block plugin.
const Plugin = "request-block"

// In says where a word is matched.
type In string

const (
	InBody     In = "body"
	InURL      In = "url"       // substring of the path with its query
	InURLExact In = "url-exact" // the whole path with its query
	InURLRegex In = "url-regex" // RE2: the whole path in the C++ build, anywhere in it in the Go build
	InHeader   In = "header"    // substring of any header name or value
)

// fields are where each kind of rule lives in the config, in the order Words lists them (each
// build has its own order of evaluation: see Evaluate).
var fields = []struct {
	in    In
	field string
}{
	{InURLExact, "block_exact_urls"},
	{InURL, "block_urls"},
	{InURLRegex, "block_regexp_urls"},
	{InHeader, "block_headers"},
	{InBody, bodiesField},
}

// The body list has two spellings: block_bodies, which the console writes and both builds read,
// and the older block_bodys, which only the C++ build reads (beside block_bodies since Higress
// v2.0.5; only it before). The view reads their union and writes the same list under both,
// except in a config that has block_bodies only (the console's), which keeps that one spelling.
const (
	bodiesField  = "block_bodies"
	legacyBodies = "block_bodys"
)

func fieldOf(in In) (string, error) {
	for _, f := range fields {
		if f.in == in {
			return f.field, nil
		}
	}
	return "", fmt.Errorf("unknown place %q: use body, url or header", in)
}

// Config is one request-block config object (a WasmPlugin's defaultConfig or a rule's config).
type Config struct {
	raw map[string]any
}

// Parse checks the lists this tool reads and returns a view. Errors name the field.
func Parse(raw map[string]any) (*Config, error) {
	for _, name := range append(fieldNames(), legacyBodies) {
		if _, err := configjson.StringList(raw, name); err != nil {
			return nil, err
		}
	}
	if v, ok := raw["case_sensitive"]; ok {
		if _, ok := v.(bool); !ok {
			return nil, fmt.Errorf("case_sensitive: must be true or false")
		}
	}
	if v, ok := raw["blocked_code"]; ok {
		if _, ok := asInt(v); !ok {
			return nil, fmt.Errorf("blocked_code: must be a number")
		}
	}
	return &Config{raw: raw}, nil
}

func fieldNames() []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.field
	}
	return out
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		return int64(n), n == float64(int64(n))
	}
	return 0, false
}

func (c *Config) list(in In) []string {
	field, _ := fieldOf(in)
	l, _ := configjson.StringList(c.raw, field)
	if in == InBody {
		legacy, _ := configjson.StringList(c.raw, legacyBodies)
		for _, w := range legacy {
			if !slices.Contains(l, w) {
				l = append(l, w)
			}
		}
	}
	return l
}

func (c *Config) setList(in In, words []string) {
	field, _ := fieldOf(in)
	if in == InBody {
		// A C++ build older than Higress v2.0.5 (January 2025: a gateway still running an image
		// it pulled before) reads block_bodys only, newer ones their union with block_bodies. A
		// config that has block_bodys, or no body words yet, gets both spellings; one written by
		// the console (block_bodies only, so its gateway reads that) keeps block_bodies only, so
		// the console's later edits are not undone by a stale copy.
		_, legacy := c.raw[legacyBodies]
		_, current := c.raw[bodiesField]
		if legacy || !current {
			setField(c.raw, legacyBodies, words)
		}
	}
	setField(c.raw, field, words)
}

func setField(m map[string]any, field string, words []string) {
	if len(words) == 0 {
		delete(m, field)
		return
	}
	out := make([]any, len(words))
	for i, w := range words {
		out[i] = w
	}
	m[field] = out
}

// has reports a rule that is in force for both builds: a body word must be under block_bodies.
func (c *Config) has(w Word) bool {
	if w.In != InBody {
		return slices.Contains(c.list(w.In), w.Text)
	}
	l, _ := configjson.StringList(c.raw, bodiesField)
	return slices.Contains(l, w.Text)
}

// Raw is the config object the view reads and edits.
func (c *Config) Raw() map[string]any { return c.raw }

// Word is one rule: a word and where it is matched.
type Word struct {
	Text string `json:"word"`
	In   In     `json:"in"`
}

// Words lists every rule in evaluation order.
func (c *Config) Words() []Word {
	var out []Word
	for _, f := range fields {
		for _, w := range c.list(f.in) {
			out = append(out, Word{Text: w, In: f.in})
		}
	}
	return out
}

// Empty reports a config with no rule at all, which neither build would load.
func (c *Config) Empty() bool { return len(c.Words()) == 0 }

// CaseSensitive is the config's case_sensitive as build b applies it; set is false when the field
// is absent, and value is then the build's default (true for the C++ build, false for the Go one).
func (c *Config) CaseSensitive(b Build) (value, set bool) {
	v, ok := c.raw["case_sensitive"].(bool)
	if !ok {
		return b.DefaultCaseSensitive(), false
	}
	return v, true
}

// SetCaseSensitive writes case_sensitive explicitly.
func (c *Config) SetCaseSensitive(v bool) { c.raw["case_sensitive"] = v }

// BlockedMessage is the body a blocked client gets (empty by default).
func (c *Config) BlockedMessage() string { s, _ := c.raw["blocked_message"].(string); return s }

// CheckWord refuses words the gateway could not use: empty ones and regexes that do not compile.
func CheckWord(w Word) error {
	if strings.TrimSpace(w.Text) == "" {
		return fmt.Errorf("empty word: give at least one visible character")
	}
	if _, err := fieldOf(w.In); err != nil {
		return err
	}
	if w.In != InBody {
		// A header or URL holding a control character never reaches the plugin (Envoy refuses
		// the request), so such a word could never match; a body may hold any byte.
		if err := termsafe.Check("word", w.Text); err != nil {
			return err
		}
	}
	if w.In == InURLRegex {
		if _, err := regexp.Compile(w.Text); err != nil {
			return fmt.Errorf("invalid regex %q: %v", w.Text, err)
		}
	}
	return nil
}

// Blocks reports a rule build b already applies: a body word counts under the spelling b reads.
func (c *Config) Blocks(w Word, b Build) bool { return slices.Contains(b.Read(c, w.In), w.Text) }

// Add adds a rule and reports whether the config changed. Body words are written under both
// spellings (block_bodies only where the config has only that one); any change brings the two
// lists together.
func (c *Config) Add(w Word) (bool, error) {
	if err := CheckWord(w); err != nil {
		return false, err
	}
	if c.has(w) {
		return false, nil
	}
	l := c.list(w.In)
	if !slices.Contains(l, w.Text) {
		l = append(l, w.Text)
	}
	c.setList(w.In, l)
	c.syncBodies()
	return true, nil
}

// syncBodies brings block_bodys and block_bodies together (the same words under both) in a
// config that has block_bodys; every edit of a config does it.
func (c *Config) syncBodies() {
	if _, ok := c.raw[legacyBodies]; ok {
		c.setList(InBody, c.list(InBody))
	}
}

// Remove deletes a rule (a body word from both spellings) and reports whether it was there.
func (c *Config) Remove(w Word) bool {
	l := c.list(w.In)
	i := slices.Index(l, w.Text)
	if i < 0 {
		return false
	}
	c.setList(w.In, slices.Delete(l, i, i+1))
	c.syncBodies()
	return true
}
