package keyauth

import (
	"fmt"
	"github.com/higress-ai/higress-ai/internal/configjson"
	"strings"
)

// Consumer is one entry of consumers[].
type Consumer struct {
	raw map[string]any
	cfg *Config
}

func (c Consumer) Name() string { s, _ := c.raw["name"].(string); return s }

// Credentials are the consumer's keys as stored (a bearer key as "Bearer <key>"), oldest first,
// from either credential or credentials.
func (c Consumer) Credentials() []string {
	var out []string
	if s, ok := c.raw["credential"].(string); ok {
		out = append(out, s)
	}
	l, _ := configjson.StringList(c.raw, "credentials")
	return append(out, l...)
}

// setCredentials writes the list form, dropping the single form.
func (c Consumer) setCredentials(creds []string) {
	delete(c.raw, "credential")
	c.raw["credentials"] = configjson.List(creds)
}

// Keys are where this consumer's key is read: its own keys, else the config's (the Go build has
// no per-consumer keys).
func (c Consumer) Keys() []string {
	if k, _ := configjson.StringList(c.raw, "keys"); len(k) > 0 && c.cfg.build == CPP {
		return k
	}
	return c.cfg.Keys()
}

func (c Consumer) flag(field string) bool {
	if b, ok := c.raw[field].(bool); ok && c.cfg.build == CPP {
		return b
	}
	if b, ok := c.cfg.raw[field].(bool); ok {
		return b
	}
	// The C++ build's default for in_header and in_query is true; the Go build's false.
	return c.cfg.build == CPP
}

// InHeader and InQuery say whether the keys are read from headers and the query string. The Go
// build reads the query only when it does not read headers (main.go: `else if config.InQuery`).
func (c Consumer) InHeader() bool { return c.flag("in_header") }
func (c Consumer) InQuery() bool {
	return c.flag("in_query") && (c.cfg.build == CPP || !c.InHeader())
}

// Bearer reports a consumer whose credentials are bearer tokens in Authorization.
func (c Consumer) Bearer() bool {
	creds := c.Credentials()
	if len(creds) == 0 {
		return false
	}
	for _, cr := range creds {
		if token(cr) == cr {
			return false
		}
	}
	return true
}

// Where describes how the consumer presents its key: "Authorization: Bearer", "header x-api-key",
// "query apikey", or several joined by commas.
func (c Consumer) Where() string {
	var parts []string
	for _, k := range c.Keys() {
		if c.InHeader() {
			if strings.EqualFold(k, "Authorization") && c.Bearer() {
				parts = append(parts, "Authorization: Bearer")
			} else {
				parts = append(parts, "header "+k)
			}
		}
		if c.InQuery() {
			parts = append(parts, "query "+k)
		}
	}
	return strings.Join(parts, ", ")
}

// Rotate adds key as a new credential beside the existing ones, in the consumer's form (bearer or
// plain). It refuses a key that any consumer already holds.
func (c Consumer) Rotate(key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if holder, ok := c.cfg.Holder(key); ok {
		return fmt.Errorf("that key is already held by consumer %q: keys must be unique", holder)
	}
	cred := key
	if c.Bearer() {
		cred = "Bearer " + key
	}
	c.setCredentials(append(c.Credentials(), cred))
	return nil
}

// FinishRotation keeps only the newest credential and returns how many were dropped.
func (c Consumer) FinishRotation() int {
	creds := c.Credentials()
	if len(creds) <= 1 {
		return 0
	}
	c.setCredentials(creds[len(creds)-1:])
	return len(creds) - 1
}
