package usage

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Dim is a dimension usage can be grouped by.
type Dim string

const (
	ByConsumer Dim = "consumer"
	ByModel    Dim = "model"
	ByRoute    Dim = "route"
	ByDay      Dim = "day"
	ByStatus   Dim = "status"
)

// Dims returns all dimensions, in the order they are listed.
func Dims() []Dim { return []Dim{ByConsumer, ByModel, ByRoute, ByDay, ByStatus} }

// ParseDims reads a --by list such as "consumer,model".
func ParseDims(list []string) ([]Dim, error) {
	var out []Dim
	for _, s := range list {
		d := Dim(strings.ToLower(strings.TrimSpace(s)))
		if !slices.Contains(Dims(), d) {
			return nil, fmt.Errorf("cannot group by %q: use consumer, model, route, day or status", s)
		}
		if slices.Contains(out, d) {
			return nil, fmt.Errorf("%q given twice", s)
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("group by at least one of consumer, model, route, day, status")
	}
	return out, nil
}

func (d Dim) of(r *Record) string {
	switch d {
	case ByConsumer:
		return r.Consumer
	case ByModel:
		return r.Model
	case ByRoute:
		return r.Route
	case ByDay:
		if r.Time.IsZero() {
			return Missing
		}
		return r.Time.UTC().Format("2006-01-02")
	case ByStatus:
		if r.Status == 0 {
			return Missing
		}
		return strconv.Itoa(r.Status)
	}
	return ""
}

// Group is the usage of one group of requests.
type Group struct {
	Keys             []string // one per dimension, in the aggregator's order
	Requests, Errors int64
	InputTokens      int64
	OutputTokens     int64
	CachedTokens     int64 // part of InputTokens
	ReasoningTokens  int64 // part of OutputTokens
	// CostUSD is the estimated cost of the PricedRequests: those with known tokens (0 included)
	// of a model with a price. UnpricedRequests counts those whose model has no price, whatever
	// their tokens, and those whose tokens are unknown (no ai_log, or one without token counts),
	// unless they failed: then no model was called and there is nothing to price. With unpriced
	// requests the cost is partial; with no priced ones there is no cost at all.
	CostPico         int64 // USD 1e-12: integer sums are exact in any order
	PricedRequests   int64
	UnpricedRequests int64
	Duration         Histogram
	FirstToken       Histogram
}

// CostUSD is the estimated cost in dollars.
func (g *Group) CostUSD() float64 { return float64(g.CostPico) / 1e12 }

// Priced reports whether the group has a cost: a request was priced, or none needed a price.
func (g *Group) Priced() bool { return g.PricedRequests > 0 || g.UnpricedRequests == 0 }

// Aggregator sums records into groups. Memory grows with the number of groups, never with the
// number of records.
type Aggregator struct {
	by      []Dim
	prices  *Prices
	groups  map[string]*Group
	keyBuf  []byte
	keysBuf []string
	// Lines counts what was read: requests counted, skipped lines.
	Requests, Skipped int64
	// AIRequests counts the requests with an ai_log, Attributed those with a consumer.
	AIRequests, Attributed int64
}

// NoConsumer reports AI traffic without a consumer anywhere: the gateway logs no consumer (see
// ConsumerHint).
func (a *Aggregator) NoConsumer() bool { return a.AIRequests > 0 && a.Attributed == 0 }

// ConsumerHint says why a log has AI requests but no consumer, and the fix.
const ConsumerHint = "the log has AI requests but no consumer: ai-statistics logs one only when configured; " +
	"add to its attributes {key: consumer, value_source: request_header, value: x-mse-consumer, apply_to_log: true}"

// NewAggregator groups by the given dimensions and prices with prices (nil: the built-in table).
func NewAggregator(by []Dim, prices *Prices) *Aggregator {
	if prices == nil {
		prices = BuiltinPrices()
	}
	return &Aggregator{by: by, prices: prices, groups: map[string]*Group{}, keysBuf: make([]string, len(by))}
}

// By returns the dimensions.
func (a *Aggregator) By() []Dim { return a.by }

// AddLine parses and adds one access-log line.
func (a *Aggregator) AddLine(line []byte) {
	r, kind := ParseLine(line)
	switch kind {
	case Request:
		a.Add(&r)
	case Skipped:
		a.Skipped++
	}
}

// Add adds one request.
func (a *Aggregator) Add(r *Record) {
	a.Requests++
	if r.HasAILog {
		a.AIRequests++
	}
	if r.Consumer != Missing {
		a.Attributed++
	}
	a.keyBuf = a.keyBuf[:0]
	for i, d := range a.by {
		k := d.of(r)
		a.keysBuf[i] = k
		a.keyBuf = append(a.keyBuf, k...)
		a.keyBuf = append(a.keyBuf, 0)
	}
	g, ok := a.groups[string(a.keyBuf)]
	if !ok {
		g = &Group{Keys: slices.Clone(a.keysBuf)}
		a.groups[string(a.keyBuf)] = g
	}
	g.Requests++
	if r.Error() {
		g.Errors++
	}
	g.InputTokens = addSat(g.InputTokens, r.InputTokens)
	g.OutputTokens = addSat(g.OutputTokens, r.OutputTokens)
	g.CachedTokens = addSat(g.CachedTokens, r.CachedTokens)
	g.ReasoningTokens = addSat(g.ReasoningTokens, r.ReasoningTokens)
	switch pico, pricing := a.prices.Request(r); pricing {
	case Unpriced:
		g.UnpricedRequests++
	case Priced:
		g.CostPico = addSat(g.CostPico, pico)
		g.PricedRequests++
	}
	if r.Duration >= 0 {
		g.Duration.Add(r.Duration)
	}
	if r.FirstToken >= 0 {
		g.FirstToken.Add(r.FirstToken)
	}
}

// Merge adds another aggregator's groups and counts (grouped by the same dimensions).
func (a *Aggregator) Merge(o *Aggregator) {
	a.Requests += o.Requests
	a.Skipped += o.Skipped
	a.AIRequests += o.AIRequests
	a.Attributed += o.Attributed
	for k, og := range o.groups {
		g, ok := a.groups[k]
		if !ok {
			a.groups[k] = og
			continue
		}
		g.Requests += og.Requests
		g.Errors += og.Errors
		g.InputTokens = addSat(g.InputTokens, og.InputTokens)
		g.OutputTokens = addSat(g.OutputTokens, og.OutputTokens)
		g.CachedTokens = addSat(g.CachedTokens, og.CachedTokens)
		g.ReasoningTokens = addSat(g.ReasoningTokens, og.ReasoningTokens)
		g.CostPico = addSat(g.CostPico, og.CostPico)
		g.PricedRequests += og.PricedRequests
		g.UnpricedRequests += og.UnpricedRequests
		g.Duration.Merge(&og.Duration)
		g.FirstToken.Merge(&og.FirstToken)
	}
}

// addSat adds two non-negative counts, saturating at math.MaxInt64: a sum of absurd token
// counts stays the largest number, never wraps to a negative total.
func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// fork returns an empty aggregator with the same dimensions and prices, for another goroutine.
func (a *Aggregator) fork() *Aggregator { return NewAggregator(a.by, a.prices.clone()) }

// Groups returns the groups sorted by their keys (Missing last).
func (a *Aggregator) Groups() []*Group {
	out := make([]*Group, 0, len(a.groups))
	for _, g := range a.groups {
		out = append(out, g)
	}
	slices.SortFunc(out, func(x, y *Group) int { return compareKeys(x.Keys, y.Keys) })
	return out
}
