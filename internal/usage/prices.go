package usage

import (
	"fmt"
	"math"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

// Price is what a model costs, in USD per million tokens.
type Price struct {
	Input       float64  `json:"input"`
	CachedInput *float64 `json:"cached_input,omitempty"` // nil: cached input costs as input
	Output      float64  `json:"output"`
}

// Cost of a request's tokens in USD; cached input tokens are part of input tokens.
func (p Price) Cost(input, cached, output int64) float64 {
	return float64(p.costPico(input, cached, output)) / 1e12
}

// costPico is the cost in millionths of a millionth of a dollar: sums of these integers are the
// same in any order, so a report's costs do not change with how its lines were split between
// cores.
func (p Price) costPico(input, cached, output int64) int64 {
	cachedPrice := p.Input
	if p.CachedInput != nil {
		cachedPrice = *p.CachedInput
	}
	// A price per million tokens is its price per token in picodollars, times 1e6. Beyond int64
	// (absurd counts), the cost saturates.
	c := math.Round(float64(input-cached)*p.Input*1e6 + float64(cached)*cachedPrice*1e6 + float64(output)*p.Output*1e6)
	if c >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(c)
}

// Pricing says how a request was priced.
type Pricing int

const (
	// Priced: known tokens (0 included) of a model with a price.
	Priced Pricing = iota
	// Unpriced: a model without a price, or tokens unknown (no ai_log, or one without token
	// counts): never a silent $0.
	Unpriced
	// NotCharged: failed before any tokens were counted (refused with 401, 403, 429...): no model
	// was called, nothing to price.
	NotCharged
)

// Request prices one request: its cost in USD 1e-12 (see Group.CostPico) when Priced, and how
// it was priced.
func (p *Prices) Request(r *Record) (int64, Pricing) {
	if !r.HasTokens {
		if r.Error() {
			return 0, NotCharged
		}
		return 0, Unpriced
	}
	price, ok := p.Lookup(r.Model)
	if !ok {
		return 0, Unpriced
	}
	return price.costPico(r.InputTokens, r.CachedTokens, r.OutputTokens), Priced
}

// PricesAsOf is the date the built-in figures were taken from the providers' public price lists.
const PricesAsOf = "2025-10-01"

func cached(v float64) *float64 { return &v }

// builtinPrices returns list prices (standard tier, USD per million tokens) of common models of
// the providers the bundled ai-proxy plugin supports. Self-hosted models (vLLM, Ollama) have
// none: give them a price with --prices, even 0, to say so.
func builtinPrices() map[string]Price {
	return map[string]Price{
		// OpenAI (and Azure OpenAI, same list prices)
		"gpt-5":                  {Input: 1.25, CachedInput: cached(0.125), Output: 10},
		"gpt-5-mini":             {Input: 0.25, CachedInput: cached(0.025), Output: 2},
		"gpt-5-nano":             {Input: 0.05, CachedInput: cached(0.005), Output: 0.40},
		"gpt-4.1":                {Input: 2, CachedInput: cached(0.50), Output: 8},
		"gpt-4.1-mini":           {Input: 0.40, CachedInput: cached(0.10), Output: 1.60},
		"gpt-4.1-nano":           {Input: 0.10, CachedInput: cached(0.025), Output: 0.40},
		"gpt-4o":                 {Input: 2.50, CachedInput: cached(1.25), Output: 10},
		"gpt-4o-mini":            {Input: 0.15, CachedInput: cached(0.075), Output: 0.60},
		"o3":                     {Input: 2, CachedInput: cached(0.50), Output: 8},
		"o4-mini":                {Input: 1.10, CachedInput: cached(0.275), Output: 4.40},
		"o1":                     {Input: 15, CachedInput: cached(7.50), Output: 60},
		"gpt-4-turbo":            {Input: 10, Output: 30},
		"gpt-3.5-turbo":          {Input: 0.50, Output: 1.50},
		"text-embedding-3-small": {Input: 0.02},
		"text-embedding-3-large": {Input: 0.13},
		// DeepSeek (V3.2 prices, both modes)
		"deepseek-chat":     {Input: 0.28, CachedInput: cached(0.028), Output: 0.42},
		"deepseek-reasoner": {Input: 0.28, CachedInput: cached(0.028), Output: 0.42},
		// Groq
		"llama-3.3-70b-versatile": {Input: 0.59, Output: 0.79},
		"llama-3.1-8b-instant":    {Input: 0.05, Output: 0.08},
		// Mistral
		"mistral-large-latest":  {Input: 2, Output: 6},
		"mistral-medium-latest": {Input: 0.40, Output: 2},
		"mistral-small-latest":  {Input: 0.10, Output: 0.30},
		"codestral-latest":      {Input: 0.30, Output: 0.90},
		// Qwen (Alibaba Cloud Model Studio, international)
		"qwen-max":   {Input: 1.60, Output: 6.40},
		"qwen-plus":  {Input: 0.40, Output: 1.20},
		"qwen-turbo": {Input: 0.05, Output: 0.20},
		// Moonshot
		"kimi-k2-0905-preview": {Input: 0.60, CachedInput: cached(0.15), Output: 2.50},
		"moonshot-v1-8k":       {Input: 0.20, Output: 2},
		"moonshot-v1-32k":      {Input: 1, Output: 3},
		"moonshot-v1-128k":     {Input: 2, Output: 5},
	}
}

// Prices looks models up: the built-in table, overridden and extended by a file.
type Prices struct {
	table map[string]Price
	memo  map[string]*Price
}

// BuiltinPrices returns the built-in table.
func BuiltinPrices() *Prices {
	return &Prices{table: builtinPrices(), memo: map[string]*Price{}}
}

// clone shares the table (read-only once loaded) with its own lookup memo, for another goroutine.
func (p *Prices) clone() *Prices { return &Prices{table: p.table, memo: map[string]*Price{}} }

// priceFile is the --prices format: models: {NAME: {input, output, cached_input}}.
type priceFile struct {
	Models map[string]*struct {
		Input       *float64 `json:"input"`
		Output      *float64 `json:"output"`
		CachedInput *float64 `json:"cached_input"`
	} `json:"models"`
}

// LoadPrices returns the built-in table, overridden and extended by the price file at path when
// path is not empty.
func LoadPrices(path string) (*Prices, error) {
	p := BuiltinPrices()
	if path == "" {
		return p, nil
	}
	if err := p.LoadFile(path); err != nil {
		return nil, err
	}
	return p, nil
}

// LoadFile overrides and extends the table with a YAML or JSON price file. Its errors are one
// line: the file's reading error, or the path and what is wrong in it.
func (p *Prices) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var f priceFile
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		return fmt.Errorf("%s: %s", path, yamlError(err))
	}
	if len(f.Models) == 0 {
		return fmt.Errorf("%s: no models: write models: {NAME: {input: X, output: Y}} in USD per million tokens", path)
	}
	for name, m := range f.Models {
		switch {
		case m == nil || m.Input == nil || m.Output == nil:
			return fmt.Errorf("%s: models.%s: input and output are required (USD per million tokens)", path, name)
		case *m.Input < 0 || *m.Output < 0 || (m.CachedInput != nil && *m.CachedInput < 0):
			return fmt.Errorf("%s: models.%s: prices cannot be negative", path, name)
		}
		p.table[strings.ToLower(name)] = Price{Input: *m.Input, Output: *m.Output, CachedInput: m.CachedInput}
	}
	clear(p.memo)
	return nil
}

// yamlError is a YAML decoding error in one line: the decoder lists its problems one a line
// ("yaml: unmarshal errors:\n  line 3: key \"a\" already set in map"), which become "line 3: key
// \"a\" already set in map", joined by "; ".
func yamlError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && l != "yaml: unmarshal errors:" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

// withoutDate removes a version date providers append (-2024-08-06, -20241022, -0125); ok is
// false when name has none.
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

// Lookup finds a model's price: the exact name first, then without a provider prefix
// (openai/gpt-4o), then without a date suffix (gpt-4o-2024-08-06). ok is false for an unpriced model.
func (p *Prices) Lookup(model string) (Price, bool) {
	if pr, seen := p.memo[model]; seen {
		if pr == nil {
			return Price{}, false
		}
		return *pr, true
	}
	var found *Price
	name := strings.ToLower(model)
	for _, candidate := range candidates(name) {
		if pr, ok := p.table[candidate]; ok {
			found = &pr
			break
		}
	}
	if len(p.memo) < 100000 {
		p.memo[model] = found
	}
	if found == nil {
		return Price{}, false
	}
	return *found, true
}

func candidates(name string) []string {
	out := []string{name}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
		out = append(out, name)
	}
	if base, ok := withoutDate(name); ok {
		out = append(out, base)
	}
	return out
}
