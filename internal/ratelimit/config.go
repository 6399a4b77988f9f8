// Package ratelimit is a typed view over Higress ai-token-ratelimit's config (token limits per
// consumer, header, parameter, cookie or client address, counted in Redis) and a model of how the
// plugin decides, for replaying real traffic through limits before they are enforced.
//
// What the plugin does (alibaba/higress plugins/wasm-go/extensions/ai-token-ratelimit, main.go and
// config/config.go), which this package follows:
//   - A config has global_threshold (one counter for every request) or rule_items, never both.
//   - Rule items are tried in order and the first that matches the request wins; within an item the
//     limit_keys are tried in order and the first that matches wins, so one request is counted
//     against exactly one window. A limit key sets one window; the plugin reads the first of
//     token_per_second|minute|hour|day it finds in Go's random map order, so a key setting
//     several is ambiguous: this view refuses it.
//   - limit_by_consumer matches the X-Mse-Consumer value exactly; limit_by_per_consumer takes "*"
//     or "regexp:RE" keys and counts each consumer separately.
//   - Before a request the counter is read and the request refused (rejected_code, default 429)
//     when it is above the limit: a request that reaches the limit exactly still passes. After the
//     response, input+output tokens are added, only while the counter is not above the limit. The
//     window starts when the first tokens are added (the key's expiry is set then) and lasts its
//     length; the window's seconds (not the limit) are part of the Redis key, so changing a limit
//     keeps the counter and changing the window starts a new one.
//   - Redis errors let the request through (fail open).
//
// The view edits the underlying map in place, so fields it does not know are kept.
package ratelimit

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Plugin is the name of the plugin.
const Plugin = "ai-token-ratelimit"

// Window is a limit's time window, in the plugin's field names.
type Window string

const (
	PerSecond Window = "token_per_second"
	PerMinute Window = "token_per_minute"
	PerHour   Window = "token_per_hour"
	PerDay    Window = "token_per_day"
)

// Windows lists the windows the plugin has, shortest first.
func Windows() []Window { return []Window{PerSecond, PerMinute, PerHour, PerDay} }

// Seconds is the window's length as the plugin counts it.
func (w Window) Seconds() int64 {
	switch w {
	case PerSecond:
		return 1
	case PerMinute:
		return 60
	case PerHour:
		return 3600
	case PerDay:
		return 86400
	}
	return 0
}

// Duration is the window's length.
func (w Window) Duration() time.Duration { return time.Duration(w.Seconds()) * time.Second }

// Short is the window as people write it: "minute".
func (w Window) Short() string { return strings.TrimPrefix(string(w), "token_per_") }

// ParseWindow reads "minute", "per-minute" or "token_per_minute".
func ParseWindow(s string) (Window, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(s), "token_per_"), "per-")
	for _, w := range Windows() {
		if w.Short() == s {
			return w, nil
		}
	}
	return "", fmt.Errorf("unknown window %q: ai-token-ratelimit has second, minute, hour and day", s)
}

// ItemType is how a rule item picks the value it counts by.
type ItemType string

const (
	ByHeader      ItemType = "limit_by_header"
	ByParam       ItemType = "limit_by_param"
	ByConsumer    ItemType = "limit_by_consumer"
	ByCookie      ItemType = "limit_by_cookie"
	ByPerHeader   ItemType = "limit_by_per_header"
	ByPerParam    ItemType = "limit_by_per_param"
	ByPerConsumer ItemType = "limit_by_per_consumer"
	ByPerCookie   ItemType = "limit_by_per_cookie"
	ByPerIP       ItemType = "limit_by_per_ip"
)

// itemTypes is the order in which the plugin looks for an item's type; a later one found wins.
var itemTypes = []ItemType{ByHeader, ByParam, ByCookie, ByPerHeader, ByPerParam, ByPerCookie, ByConsumer, ByPerConsumer, ByPerIP}

// consumerHeader is the key the plugin records for consumer items (in the Redis key too).
const consumerHeader = "x-mse-consumer"

// per reports the item types whose keys are "*" or "regexp:...", one counter per value.
func (t ItemType) per() bool {
	return t == ByPerHeader || t == ByPerParam || t == ByPerConsumer || t == ByPerCookie
}

// Limit is one limit key of a rule item: the key it matches and its one window.
type Limit struct {
	Key    string // a value, "*", "regexp:RE", or an IP/CIDR for limit_by_per_ip
	Window Window
	Tokens int64
	re     *regexp.Regexp
}

// Item is one entry of rule_items.
type Item struct {
	Type ItemType
	// By is the header, parameter or cookie name, the per-IP source, or x-mse-consumer.
	By     string
	Limits []Limit
}

// Threshold is global_threshold: one counter for every request.
type Threshold struct {
	Window Window
	Tokens int64
}

// Redis is the redis block (the password is never read into the view).
type Redis struct {
	ServiceName string
	ServicePort int64
	Username    string
	HasPassword bool
	TimeoutMs   int64
	Database    int64
}

// Config is one ai-token-ratelimit config object (a WasmPlugin's defaultConfig or a rule's).
type Config struct {
	raw map[string]any

	RuleName     string
	Global       *Threshold
	Items        []Item
	RejectedCode int64
	RejectedMsg  string
	Redis        *Redis
}

// Defaults the plugin applies.
const (
	DefaultRejectedCode = 429
	DefaultRejectedMsg  = "Too many requests"
)

// Parse reads a config as the plugin would, refusing what it refuses to load and what it would
// read ambiguously. A config with neither global_threshold nor rule_items (one not written yet, or
// whose last limit was removed) parses to an empty view, its other fields (rule_name, redis) kept:
// Empty reports it.
func Parse(raw map[string]any) (*Config, error) {
	c := &Config{raw: raw, RejectedCode: DefaultRejectedCode, RejectedMsg: DefaultRejectedMsg}
	if c.Empty() {
		c.Redis, _ = parseRedis(raw)
		c.RuleName, _ = str(raw, "rule_name")
		return c, nil
	}
	var err error
	if c.RuleName, err = str(raw, "rule_name"); err != nil {
		return nil, err
	}
	if _, ok := raw["rule_name"]; !ok {
		return nil, fmt.Errorf("rule_name: required")
	}
	if c.Redis, err = parseRedis(raw); err != nil {
		return nil, err
	}
	g, hasGlobal := raw["global_threshold"]
	items, hasItems := raw["rule_items"]
	switch {
	case hasGlobal && hasItems:
		return nil, fmt.Errorf("global_threshold and rule_items: the plugin takes one of them, not both")
	case !hasGlobal && !hasItems:
		return nil, fmt.Errorf("global_threshold or rule_items: one is required")
	case hasGlobal:
		m, ok := g.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("global_threshold: must be an object")
		}
		w, n, err := parseWindow(m, "global_threshold")
		if err != nil {
			return nil, err
		}
		c.Global = &Threshold{Window: w, Tokens: n}
	default:
		list, ok := items.([]any)
		if !ok || len(list) == 0 {
			return nil, fmt.Errorf("rule_items: must be a non-empty list")
		}
		for i, v := range list {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("rule_items[%d]: must be an object", i)
			}
			it, err := parseItem(m, fmt.Sprintf("rule_items[%d]", i))
			if err != nil {
				return nil, err
			}
			c.Items = append(c.Items, it)
		}
	}
	if v, ok := raw["rejected_code"]; ok {
		n, ok := asInt(v)
		if !ok || n <= 0 {
			return nil, fmt.Errorf("rejected_code: must be a positive number")
		}
		c.RejectedCode = n
	}
	if _, ok := raw["rejected_msg"]; ok {
		if c.RejectedMsg, err = str(raw, "rejected_msg"); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Empty reports a config without limits (which the plugin would refuse to load).
func (c *Config) Empty() bool {
	for _, f := range []string{"global_threshold", "rule_items"} {
		if _, ok := c.raw[f]; ok {
			return false
		}
	}
	return true
}

func parseRedis(raw map[string]any) (*Redis, error) {
	v, ok := raw["redis"]
	if !ok {
		return nil, fmt.Errorf("redis: required (the plugin counts in Redis)")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("redis: must be an object")
	}
	r := &Redis{}
	var err error
	if r.ServiceName, err = str(m, "service_name"); err != nil {
		return nil, fmt.Errorf("redis.%w", err)
	}
	if r.ServiceName == "" {
		return nil, fmt.Errorf("redis.service_name: required")
	}
	for _, f := range []struct {
		name string
		to   *int64
	}{{"service_port", &r.ServicePort}, {"timeout", &r.TimeoutMs}, {"database", &r.Database}} {
		if v, ok := m[f.name]; ok {
			n, ok := asInt(v)
			if !ok || n < 0 {
				return nil, fmt.Errorf("redis.%s: must be a non-negative number", f.name)
			}
			*f.to = n
		}
	}
	if r.ServicePort == 0 {
		r.ServicePort = 6379
		if strings.HasSuffix(r.ServiceName, ".static") {
			r.ServicePort = 80
		}
	}
	if r.TimeoutMs == 0 {
		r.TimeoutMs = 1000
	}
	if r.Username, err = str(m, "username"); err != nil {
		return nil, fmt.Errorf("redis.%w", err)
	}
	pw, _ := m["password"].(string)
	r.HasPassword = pw != ""
	return r, nil
}

func parseItem(m map[string]any, field string) (Item, error) {
	var it Item
	for _, t := range itemTypes {
		v, ok := m[string(t)]
		if !ok {
			continue
		}
		s, _ := v.(string)
		switch t {
		case ByConsumer, ByPerConsumer:
			it.Type, it.By = t, consumerHeader
		default:
			if s != "" {
				it.Type, it.By = t, s
			}
		}
	}
	if it.Type == "" {
		return it, fmt.Errorf("%s: needs one of limit_by_header, _param, _consumer, _cookie, limit_by_per_header, _param, _consumer, _cookie or _ip", field)
	}
	if it.Type == ByPerIP && it.By != "from-remote-addr" && (!strings.HasPrefix(it.By, "from-header-") || it.By == "from-header-") {
		return it, fmt.Errorf("%s.limit_by_per_ip: must be from-remote-addr or from-header-NAME", field)
	}
	keys, ok := m["limit_keys"].([]any)
	if !ok || len(keys) == 0 {
		return it, fmt.Errorf("%s.limit_keys: must be a non-empty list", field)
	}
	for j, v := range keys {
		kf := fmt.Sprintf("%s.limit_keys[%d]", field, j)
		km, ok := v.(map[string]any)
		if !ok {
			return it, fmt.Errorf("%s: must be an object", kf)
		}
		key := scalarString(km["key"])
		if key == "" {
			return it, fmt.Errorf("%s.key: required", kf)
		}
		l := Limit{Key: key}
		if it.Type.per() {
			switch {
			case key == "*":
			case strings.HasPrefix(key, "regexp:"):
				re, err := regexp.Compile(strings.TrimPrefix(key, "regexp:"))
				if err != nil {
					return it, fmt.Errorf("%s.key: invalid regexp: %v", kf, err)
				}
				l.re = re
			default:
				return it, fmt.Errorf("%s.key: %s takes \"*\" or \"regexp:...\"", kf, it.Type)
			}
		}
		w, n, err := parseWindow(km, kf)
		if err != nil {
			return it, err
		}
		l.Window, l.Tokens = w, n
		it.Limits = append(it.Limits, l)
	}
	return it, nil
}

// parseWindow reads the one window of a limit key or global_threshold.
func parseWindow(m map[string]any, field string) (Window, int64, error) {
	var found []Window
	for _, w := range Windows() {
		if _, ok := m[string(w)]; ok {
			found = append(found, w)
		}
	}
	switch len(found) {
	case 0:
		return "", 0, fmt.Errorf("%s: needs one of token_per_second, token_per_minute, token_per_hour, token_per_day", field)
	case 1:
	default:
		return "", 0, fmt.Errorf("%s: sets %s and %s: the plugin reads one of them, chosen at random", field, found[0], found[1])
	}
	n, ok := asInt(m[string(found[0])])
	if !ok || n <= 0 {
		return "", 0, fmt.Errorf("%s.%s: must be a positive whole number", field, found[0])
	}
	return found[0], n, nil
}

// scalarString is a YAML scalar as the plugin reads it (gjson's String): `key: 102234` is "102234".
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64, int, bool:
		return fmt.Sprint(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

func str(m map[string]any, field string) (string, error) {
	v, ok := m[field]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: must be a string", field)
	}
	return s, nil
}

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), n == float64(int64(n))
	}
	return 0, false
}

// matches reports whether the limit applies to value, as the plugin's findMatchingItem decides.
func (l Limit) matches(t ItemType, value string) bool {
	if t.per() {
		return l.Key == "*" || (l.re != nil && l.re.MatchString(value))
	}
	return l.Key == value
}

// Match returns the limit a request from consumer is counted against, the rule item it belongs to,
// and the value it is counted by. ok is false when no item applies (the request is not limited).
// Items that key on headers, parameters, cookies or client addresses cannot be decided from a
// consumer alone: they are skipped, and unknown reports that one of them came first.
func (c *Config) Match(consumer string) (item *Item, limit *Limit, ok, unknown bool) {
	for i := range c.Items {
		it := &c.Items[i]
		if it.Type != ByConsumer && it.Type != ByPerConsumer {
			unknown = true
			continue
		}
		if consumer == "" {
			// The plugin fails to read the header and goes on to the next item.
			continue
		}
		for j := range it.Limits {
			if it.Limits[j].matches(it.Type, consumer) {
				return it, &it.Limits[j], true, unknown
			}
		}
	}
	return nil, nil, false, unknown
}

// RedisKey is the counter the plugin keeps for a request matched to (item, limit) by value, or
// for the global threshold when item is nil.
func (c *Config) RedisKey(item *Item, limit *Limit, value string) string {
	const prefix = "higress-token-ratelimit"
	if item == nil {
		return fmt.Sprintf("%s:%s:global_threshold:%d", prefix, c.RuleName, c.Global.Window.Seconds())
	}
	return fmt.Sprintf("%s:%s:%s:%d:%s:%s", prefix, c.RuleName, item.Type, limit.Window.Seconds(), item.By, value)
}
