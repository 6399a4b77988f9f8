// Package budget reads the plugin's budgets and prices (CONTRACT-budgets.md of issue 14) and
// does the arithmetic the request path needs: which rules apply, the calendar period a request
// falls in, a model's price, and costs in integer nano-USD.
package budget

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// FieldError names the field that is wrong (config turns it into its own field error).
type FieldError struct{ Field, Msg string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Price is what a model costs, in USD per million tokens.
type Price struct {
	Input       float64  `json:"input"`
	Output      float64  `json:"output"`
	CachedInput *float64 `json:"cached_input,omitempty"`
}

// Prices are the prices by lower-case model name.
type Prices map[string]Price

// Redis is where the counters are, with ai-token-ratelimit's field names.
type Redis struct {
	ServiceName string `json:"service_name"`
	ServicePort int    `json:"service_port"`
	Username    string `json:"username"`
	Password    string `json:"password"`
	Timeout     int    `json:"timeout"`
	Database    int    `json:"database"`
}

// Rule is one budget.
type Rule struct {
	Consumer, Model, Period, TimeZone string
	USD                               float64
	Soft                              int
	// LimitNanos is USD in nano-USD; Loc is TimeZone loaded.
	LimitNanos int64
	Loc        *time.Location
}

// Config is the budgets block.
type Config struct {
	Redis          Redis
	FailMode       string // closed | open
	Unpriced       string // refuse | fallback
	FallbackPrice  *Price
	MaxTokens      int64
	ReservationTTL int64 // seconds
	Rules          []Rule
}

// ParsePrices reads the prices block.
func ParsePrices(raw json.RawMessage) (Prices, error) {
	var m map[string]*Price
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fieldErr("prices", "must map model names to {input, output, cached_input} in USD per 1M tokens: %v", err)
	}
	out := Prices{}
	for name, p := range m {
		f := "prices." + name
		switch {
		case p == nil:
			return nil, fieldErr(f, "must be {input, output}")
		case p.Input < 0 || p.Output < 0 || (p.CachedInput != nil && *p.CachedInput < 0):
			return nil, fieldErr(f, "prices cannot be negative")
		}
		out[strings.ToLower(name)] = *p
	}
	return out, nil
}

type rawRule struct {
	Consumer *string  `json:"consumer"`
	Model    string   `json:"model"`
	USD      *float64 `json:"usd"`
	Period   string   `json:"period"`
	TimeZone string   `json:"timeZone"`
	Soft     *int     `json:"soft"`
}

type rawConfig struct {
	Redis          *Redis    `json:"redis"`
	FailMode       string    `json:"failMode"`
	Unpriced       string    `json:"unpriced"`
	FallbackPrice  *Price    `json:"fallbackPrice"`
	MaxTokens      *int64    `json:"maxTokens"`
	ReservationTTL *int64    `json:"reservationTtl"`
	Rules          []rawRule `json:"rules"`
}

// Parse reads the budgets block.
func Parse(raw json.RawMessage) (*Config, error) {
	var r rawConfig
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fieldErr("budgets", "%v", err)
	}
	c := &Config{FailMode: "closed", Unpriced: "refuse", MaxTokens: 4096, ReservationTTL: 600}
	if r.Redis == nil || r.Redis.ServiceName == "" {
		return nil, fieldErr("budgets.redis.service_name", "required: the Redis service the counters are in (FQDN as Envoy knows it)")
	}
	c.Redis = *r.Redis
	if c.Redis.ServicePort == 0 {
		c.Redis.ServicePort = 6379
	}
	if c.Redis.ServicePort < 1 || c.Redis.ServicePort > 65535 {
		return nil, fieldErr("budgets.redis.service_port", "must be a port number")
	}
	if c.Redis.Timeout == 0 {
		c.Redis.Timeout = 1000
	}
	if c.Redis.Timeout < 0 || c.Redis.Database < 0 {
		return nil, fieldErr("budgets.redis", "timeout and database cannot be negative")
	}
	for _, f := range []struct {
		name, value string
		dst         *string
		allowed     [2]string
	}{{"failMode", r.FailMode, &c.FailMode, [2]string{"closed", "open"}}, {"unpriced", r.Unpriced, &c.Unpriced, [2]string{"refuse", "fallback"}}} {
		switch f.value {
		case "":
		case f.allowed[0], f.allowed[1]:
			*f.dst = f.value
		default:
			return nil, fieldErr("budgets."+f.name, "%q is not %s or %s", f.value, f.allowed[0], f.allowed[1])
		}
	}
	if c.Unpriced == "fallback" {
		if r.FallbackPrice == nil {
			return nil, fieldErr("budgets.fallbackPrice", "required with unpriced: fallback ({input, output} USD per 1M tokens)")
		}
		if r.FallbackPrice.Input < 0 || r.FallbackPrice.Output < 0 {
			return nil, fieldErr("budgets.fallbackPrice", "prices cannot be negative")
		}
	}
	c.FallbackPrice = r.FallbackPrice
	if r.MaxTokens != nil {
		if *r.MaxTokens < 1 {
			return nil, fieldErr("budgets.maxTokens", "must be a positive number of tokens")
		}
		c.MaxTokens = *r.MaxTokens
	}
	if r.ReservationTTL != nil {
		if *r.ReservationTTL < 1 {
			return nil, fieldErr("budgets.reservationTtl", "must be a positive number of seconds")
		}
		c.ReservationTTL = *r.ReservationTTL
	}
	seen := map[[3]string]bool{}
	for i, rr := range r.Rules {
		f := fmt.Sprintf("budgets.rules[%d]", i)
		if rr.Consumer == nil || *rr.Consumer == "" {
			return nil, fieldErr(f+".consumer", "required: a consumer name or * for the default")
		}
		if rr.USD == nil || !(*rr.USD > 0) || *rr.USD > 1e9 {
			return nil, fieldErr(f+".usd", "must be more than 0 and at most 1e9")
		}
		switch rr.Period {
		case "day", "week", "month":
		default:
			return nil, fieldErr(f+".period", "%q is not day, week or month", rr.Period)
		}
		tz := rr.TimeZone
		if tz == "" {
			tz = "UTC"
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return nil, fieldErr(f+".timeZone", "%q is not an IANA time zone", tz)
		}
		rule := Rule{Consumer: *rr.Consumer, Model: rr.Model, Period: rr.Period, TimeZone: tz, USD: *rr.USD, Loc: loc,
			LimitNanos: int64(math.Round(*rr.USD * 1e9))}
		if rr.Soft != nil {
			if *rr.Soft < 1 || *rr.Soft > 99 {
				return nil, fieldErr(f+".soft", "must be a percentage from 1 to 99")
			}
			rule.Soft = *rr.Soft
		}
		k := [3]string{rule.Consumer, rule.Model, rule.Period}
		if seen[k] {
			return nil, fieldErr(f, "a second rule for consumer %q, model %q, period %s", rule.Consumer, rule.Model, rule.Period)
		}
		seen[k] = true
		c.Rules = append(c.Rules, rule)
	}
	return c, nil
}

// Applies returns the rules that apply to a consumer ("" or "-" for none) and the model sent
// upstream: its own rules, and the default (*) rules for each (model, period) it has none of.
func (c *Config) Applies(consumer, model string) []Rule {
	if consumer == "" {
		consumer = "-"
	}
	own := map[[2]string]bool{}
	for _, r := range c.Rules {
		if r.Consumer == consumer {
			own[[2]string{r.Model, r.Period}] = true
		}
	}
	var out []Rule
	for _, r := range c.Rules {
		if r.Model != "" && r.Model != model {
			continue
		}
		if r.Consumer == consumer || (r.Consumer == "*" && !own[[2]string{r.Model, r.Period}]) {
			out = append(out, r)
		}
	}
	return out
}

// Period is the calendar period (day, week from Monday, month from the 1st) holding t in loc.
func Period(t time.Time, period string, loc *time.Location) (start, end time.Time) {
	l := t.In(loc)
	y, m, d := l.Date()
	switch period {
	case "week":
		d -= (int(l.Weekday()) + 6) % 7
		return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+7, 0, 0, 0, 0, loc)
	case "month":
		return time.Date(y, m, 1, 0, 0, 0, 0, loc), time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	}
	return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// Key is the rule's counter for a consumer in the period starting at start.
func Key(r Rule, consumer string, start time.Time) string {
	if consumer == "" {
		consumer = "-"
	}
	model := r.Model
	if model == "" {
		model = "*"
	}
	return "higress-ai:budget:{" + consumer + "}:" + model + ":" + r.Period + ":" + start.Format("2006-01-02")
}

// Lookup finds a model's price as the usage package does: lower-case, the exact name, then
// without a provider prefix (openai/gpt-4o), then without a version date (gpt-4o-2024-08-06).
func (p Prices) Lookup(model string) (Price, bool) {
	name := strings.ToLower(model)
	if pr, ok := p[name]; ok {
		return pr, true
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
		if pr, ok := p[name]; ok {
			return pr, true
		}
	}
	if base, ok := withoutDate(name); ok {
		if pr, ok := p[base]; ok {
			return pr, true
		}
	}
	return Price{}, false
}

// withoutDate removes a version date providers append (-2024-08-06, -20241022, -0125).
func withoutDate(name string) (string, bool) {
	digits := func(s string) bool {
		for _, c := range []byte(s) {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	n := len(name)
	switch {
	case n > 11 && name[n-11] == '-' && digits(name[n-10:n-6]) && name[n-6] == '-' && digits(name[n-5:n-3]) && name[n-3] == '-' && digits(name[n-2:]):
		return name[:n-11], true
	case n > 9 && name[n-9] == '-' && digits(name[n-8:]):
		return name[:n-9], true
	case n > 5 && name[n-5] == '-' && digits(name[n-4:]):
		return name[:n-5], true
	}
	return name, false
}

// picoPerToken is a price per 1M tokens in USD as pico-USD per token (exact for prices with up
// to 6 decimals).
func picoPerToken(usdPerM float64) int64 { return int64(math.Round(usdPerM * 1e6)) }

// Cost is ceil(tokens x price) in nano-USD; cached input tokens are part of input tokens.
func (p Price) Cost(input, cached, output int64) int64 {
	cachedPrice := p.Input
	if p.CachedInput != nil {
		cachedPrice = *p.CachedInput
	}
	pico := (input-cached)*picoPerToken(p.Input) + cached*picoPerToken(cachedPrice) + output*picoPerToken(p.Output)
	return (pico + 999) / 1000
}

// Estimate is what a request is reserved for: its prompt bytes counted as input tokens, and
// maxOut output tokens for each of n choices.
func (p Price) Estimate(promptBytes, maxOut, n int64) int64 {
	if n < 1 {
		n = 1
	}
	return p.Cost(promptBytes, 0, 0) + p.Cost(0, 0, maxOut*n)
}

// MaxOut is the output tokens a request is reserved for: what it asked (max_tokens or
// max_completion_tokens, 0 for none) capped at maxTokens, maxTokens when it asked none.
func (c *Config) MaxOut(asked int64) int64 {
	if asked <= 0 || asked > c.MaxTokens {
		return c.MaxTokens
	}
	return asked
}
