package ratelimit

import (
	"fmt"
	"slices"
)

// DefaultRuleName is the rule_name this tool gives a config it creates. The rule name is part of
// every Redis key, so an existing config's name is never changed.
const DefaultRuleName = "higress-ai-token-limits"

// Everyone is the key of the default limit: one counter per consumer, for every consumer without
// a limit of their own.
const Everyone = "*"

// Change says what an edit did.
type Change int

const (
	Unchanged Change = iota
	Added
	Updated
	Removed
)

// SetRedis writes the redis block (service name and port; the password is set apart, never read).
func (c *Config) SetRedis(service string, port int64) {
	m, ok := c.raw["redis"].(map[string]any)
	if !ok {
		m = map[string]any{}
		c.raw["redis"] = m
	}
	m["service_name"] = service
	if port > 0 {
		m["service_port"] = port
	} else {
		delete(m, "service_port")
	}
	c.Redis, _ = parseRedis(c.raw)
}

// SetRedisPassword stores the Redis password in the config (the plugin reads it only there).
func (c *Config) SetRedisPassword(password string) {
	m, ok := c.raw["redis"].(map[string]any)
	if !ok {
		m = map[string]any{}
		c.raw["redis"] = m
	}
	m["password"] = password
	if c.Redis != nil {
		c.Redis.HasPassword = password != ""
	}
}

// Set gives consumer (or Everyone) a limit of tokens per window. A consumer's limit goes into the
// first limit_by_consumer item, made before any per-consumer item so that it is the one matched;
// the default into a limit_by_per_consumer item with key "*", made last.
func (c *Config) Set(consumer string, w Window, tokens int64) (Change, error) {
	if tokens <= 0 {
		return Unchanged, fmt.Errorf("the limit must be a positive whole number of tokens")
	}
	if w.Seconds() == 0 {
		return Unchanged, fmt.Errorf("unknown window %q", w)
	}
	if c.Global != nil {
		return Unchanged, fmt.Errorf("the config has a global_threshold (one counter for everyone), which the plugin cannot combine with per-consumer limits")
	}
	if _, ok := c.raw["rule_name"]; !ok {
		c.raw["rule_name"] = DefaultRuleName
		c.RuleName = DefaultRuleName
	}
	typ := ByConsumer
	if consumer == Everyone {
		typ = ByPerConsumer
	}
	items, _ := c.raw["rule_items"].([]any)
	idx := c.itemIndex(typ, consumer)
	if idx < 0 {
		item := map[string]any{string(typ): "", "limit_keys": []any{}}
		if typ == ByConsumer {
			// Before every per-consumer item, so the consumer's own limit is found first.
			at := len(items)
			for i, it := range c.Items {
				if it.Type == ByPerConsumer {
					at = i
					break
				}
			}
			items = slices.Insert(items, at, any(item))
			idx = at
		} else {
			items = append(items, item)
			idx = len(items) - 1
		}
		c.raw["rule_items"] = items
	}
	item := items[idx].(map[string]any)
	keys, _ := item["limit_keys"].([]any)
	change := Added
	var entry map[string]any
	for _, k := range keys {
		km, _ := k.(map[string]any)
		if km != nil && scalarString(km["key"]) == consumer {
			entry, change = km, Updated
			break
		}
	}
	if entry == nil {
		entry = map[string]any{"key": consumer}
		keys = append(keys, entry)
		item["limit_keys"] = keys
	} else if cur, n, err := parseWindow(entry, "limit"); err == nil && cur == w && n == tokens {
		return Unchanged, nil
	}
	for _, other := range Windows() {
		delete(entry, string(other))
	}
	entry[string(w)] = tokens
	return change, c.reparse()
}

// itemIndex is the rule item a limit for consumer belongs in: the item already holding its key,
// else the first item of the type. -1 when there is none.
func (c *Config) itemIndex(typ ItemType, consumer string) int {
	first := -1
	for i, it := range c.Items {
		if it.Type != typ {
			continue
		}
		for _, l := range it.Limits {
			if l.Key == consumer {
				return i
			}
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

// Remove drops consumer's (or Everyone's) limit; an item left without keys is dropped too. It
// returns Unchanged when there was none. A config left with no rule items cannot load: empty
// reports that, for the caller to remove or disable the config.
func (c *Config) Remove(consumer string) (change Change, empty bool, err error) {
	typ := ByConsumer
	if consumer == Everyone {
		typ = ByPerConsumer
	}
	items, _ := c.raw["rule_items"].([]any)
	out := items[:0:0]
	change = Unchanged
	for i, v := range items {
		item, _ := v.(map[string]any)
		if i < len(c.Items) && c.Items[i].Type == typ {
			keys, _ := item["limit_keys"].([]any)
			kept := keys[:0:0]
			for _, k := range keys {
				if km, _ := k.(map[string]any); km != nil && scalarString(km["key"]) == consumer {
					change = Removed
					continue
				}
				kept = append(kept, k)
			}
			if len(kept) == 0 {
				continue
			}
			item["limit_keys"] = kept
		}
		out = append(out, v)
	}
	if change == Unchanged {
		return Unchanged, false, nil
	}
	if len(out) == 0 {
		delete(c.raw, "rule_items")
		c.Items = nil
		return change, true, nil
	}
	c.raw["rule_items"] = out
	return change, false, c.reparse()
}

func (c *Config) reparse() error {
	n, err := Parse(c.raw)
	if err != nil {
		return err
	}
	*c = *n
	return nil
}

// Raw is the config object the view edits.
func (c *Config) Raw() map[string]any { return c.raw }

// Entry is one limit as `limit list` shows it.
type Entry struct {
	Consumer string // a consumer, Everyone, or the item's key pattern
	Type     ItemType
	By       string
	Window   Window
	Tokens   int64
	// Shadowed is set when an earlier item or key always matches first, so this limit never applies.
	Shadowed bool
}

// Entries lists every limit in the order the plugin tries them.
func (c *Config) Entries() []Entry {
	var out []Entry
	if c.Global != nil {
		return []Entry{{Consumer: "(everyone, one counter)", Window: c.Global.Window, Tokens: c.Global.Tokens}}
	}
	catchAll := false
	seen := map[string]bool{}
	for _, it := range c.Items {
		for _, l := range it.Limits {
			e := Entry{Consumer: l.Key, Type: it.Type, By: it.By, Window: l.Window, Tokens: l.Tokens}
			if it.Type == ByConsumer || it.Type == ByPerConsumer {
				e.Shadowed = catchAll || seen[l.Key]
				seen[l.Key] = true
				if it.Type == ByPerConsumer && l.Key == "*" {
					catchAll = true
				}
			}
			out = append(out, e)
		}
	}
	return out
}
