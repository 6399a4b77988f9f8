package usage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// SortKey orders a report's rows.
type SortKey string

const (
	SortCost     SortKey = "cost"     // most expensive first
	SortRequests SortKey = "requests" // most requests first
	SortTokens   SortKey = "tokens"   // most input+output tokens first
	SortName     SortKey = "name"     // by the grouping keys
)

// SortKeys returns every sort key, in the order they are listed.
func SortKeys() []SortKey { return []SortKey{SortCost, SortRequests, SortTokens, SortName} }

// ParseSort reads a sort key.
func ParseSort(s string) (SortKey, error) {
	if k := SortKey(s); slices.Contains(SortKeys(), k) {
		return k, nil
	}
	return "", fmt.Errorf("invalid sort %q: use cost, requests, tokens or name", s)
}

// SortGroups orders groups by key, ties (and SortName, or an empty key) by their grouping keys.
func SortGroups(groups []*Group, key SortKey) {
	by := map[SortKey]func(a, b *Group) int{
		SortCost:     func(a, b *Group) int { return cmpDesc(a.CostPico, b.CostPico) },
		SortRequests: func(a, b *Group) int { return cmpDesc(a.Requests, b.Requests) },
		SortTokens: func(a, b *Group) int {
			return cmpDesc(a.InputTokens+a.OutputTokens, b.InputTokens+b.OutputTokens)
		},
	}[key]
	slices.SortStableFunc(groups, func(a, b *Group) int {
		if by != nil {
			if c := by(a, b); c != 0 {
				return c
			}
		}
		return compareKeys(a.Keys, b.Keys)
	})
}

// compareKeys orders grouping keys as strings, Missing after every name.
func compareKeys(a, b []string) int {
	for i := range min(len(a), len(b)) {
		switch x, y := a[i], b[i]; {
		case x == y:
			continue
		case x == Missing:
			return 1
		case y == Missing:
			return -1
		case x < y:
			return -1
		default:
			return 1
		}
	}
	return len(a) - len(b)
}

func cmpDesc(a, b int64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// Row is one group of a report as it is shown: the grouping keys, then the figures. CostUSD is
// nil when no request of the group could be priced (rounded to a millionth of a dollar); a
// latency is nil when unknown (rounded to the ms).
type Row struct {
	By               []Dim
	Keys             []string // one per By
	Requests         int64
	Errors           int64
	InputTokens      int64
	OutputTokens     int64
	CachedTokens     int64
	ReasoningTokens  int64
	CostUSD          *float64
	UnpricedRequests int64
	LatencyP50       *float64
	LatencyP95       *float64
	FirstTokenP50    *float64
	FirstTokenP95    *float64
}

// NewRow is the row of a group grouped by the dimensions by.
func NewRow(by []Dim, g *Group) Row {
	r := Row{By: by, Keys: g.Keys, Requests: g.Requests, Errors: g.Errors, InputTokens: g.InputTokens,
		OutputTokens: g.OutputTokens, CachedTokens: g.CachedTokens, ReasoningTokens: g.ReasoningTokens, UnpricedRequests: g.UnpricedRequests,
		LatencyP50: quantile(&g.Duration, 0.5), LatencyP95: quantile(&g.Duration, 0.95),
		FirstTokenP50: quantile(&g.FirstToken, 0.5), FirstTokenP95: quantile(&g.FirstToken, 0.95)}
	if g.Priced() {
		c := math.Round(g.CostUSD()*1e6) / 1e6
		r.CostUSD = &c
	}
	return r
}

// NewRows is NewRow of each group, in order.
func NewRows(by []Dim, groups []*Group) []Row {
	rows := make([]Row, len(groups))
	for i, g := range groups {
		rows[i] = NewRow(by, g)
	}
	return rows
}

func quantile(h *Histogram, q float64) *float64 {
	v := h.Quantile(q)
	if v < 0 {
		return nil
	}
	v = math.Round(v)
	return &v
}

// Total sums the rows' counts and costs (no keys, no latencies); its cost is nil when no row has
// one.
func Total(rows []Row) Row {
	var t Row
	var cost float64
	var priced bool
	for _, r := range rows {
		t.Requests = addSat(t.Requests, r.Requests)
		t.Errors = addSat(t.Errors, r.Errors)
		t.InputTokens = addSat(t.InputTokens, r.InputTokens)
		t.OutputTokens = addSat(t.OutputTokens, r.OutputTokens)
		t.CachedTokens = addSat(t.CachedTokens, r.CachedTokens)
		t.ReasoningTokens = addSat(t.ReasoningTokens, r.ReasoningTokens)
		t.UnpricedRequests = addSat(t.UnpricedRequests, r.UnpricedRequests)
		if r.CostUSD != nil {
			cost += *r.CostUSD
			priced = true
		}
	}
	if priced {
		t.CostUSD = &cost
	}
	return t
}

// Columns returns the names of a report's columns: the dimensions, then the figures (requests,
// errors, input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost_usd, unpriced_requests,
// latency_p50_ms, latency_p95_ms, first_token_p50_ms, first_token_p95_ms). They are the keys of
// -o json and the header of -o csv.
func Columns(by []Dim) []string {
	out := make([]string, 0, len(by)+12)
	for _, d := range by {
		out = append(out, string(d))
	}
	return append(out, "requests", "errors", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "cost_usd",
		"unpriced_requests", "latency_p50_ms", "latency_p95_ms", "first_token_p50_ms", "first_token_p95_ms")
}

// Values returns the row's values in the order of Columns(r.By): a *string for each key (nil:
// Missing), an int64 for each count, a *float64 (nil: unknown) for the cost and each latency.
func (r Row) Values() []any {
	out := make([]any, 0, len(r.Keys)+12)
	for _, k := range r.Keys {
		if k == Missing {
			out = append(out, (*string)(nil))
		} else {
			out = append(out, &k)
		}
	}
	return append(out, r.Requests, r.Errors, r.InputTokens, r.OutputTokens, r.CachedTokens, r.ReasoningTokens, r.CostUSD,
		r.UnpricedRequests, r.LatencyP50, r.LatencyP95, r.FirstTokenP50, r.FirstTokenP95)
}

// MarshalJSON writes one object of Columns and Values, in that order: the keys first.
func (r Row) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	values := r.Values()
	for i, name := range Columns(r.By) {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(name)
		buf.Write(kb)
		buf.WriteByte(':')
		vb, err := json.Marshal(values[i])
		if err != nil {
			return nil, err
		}
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// ReportOptions say what a report reads and how it groups.
type ReportOptions struct {
	// Sources are read to their end, unless Prometheus is set: then the metrics of the Prometheus
	// server at that URL are read instead.
	Sources    SourceOptions
	Prometheus string
	By         []Dim
	// Since and Until bound the requests' start time; zero is open (Until: now for Prometheus).
	Since, Until time.Time
	Prices       *Prices // nil: the built-in table
	Sort         SortKey
	Now          func() time.Time // default time.Now
}

// Report is a usage report: one row per group, sorted.
type Report struct {
	By   []Dim
	Rows []Row
	// Skipped counts the lines that were not JSON objects.
	Skipped int64
	// FromPrometheus says the figures are the metrics': no errors, latencies or cached tokens.
	FromPrometheus bool
	// NoConsumer says the log has AI requests but no consumer anywhere (see ConsumerHint).
	NoConsumer bool
}

// Total is Total of the report's rows.
func (r *Report) Total() Row { return Total(r.Rows) }

// MakeReport reads what the options name and groups it. Cancelled, it returns ctx's error.
func MakeReport(ctx context.Context, o ReportOptions) (*Report, error) {
	prices := o.Prices
	if prices == nil {
		prices = BuiltinPrices()
	}
	rep := &Report{By: o.By}
	var groups []*Group
	if o.Prometheus != "" {
		if len(o.Sources.LogFiles) > 0 {
			return nil, errors.New("log files and Prometheus cannot be read together")
		}
		until := o.Until
		if until.IsZero() {
			now := o.Now
			if now == nil {
				now = time.Now
			}
			until = now()
		}
		var err error
		if groups, err = (Prometheus{URL: o.Prometheus}).Query(ctx, o.By, o.Since, until, prices); err != nil {
			return nil, err
		}
		rep.FromPrometheus = true
	} else {
		sources, err := o.Sources.Sources()
		if err != nil {
			return nil, err
		}
		agg := NewAggregator(o.By, prices)
		if err := Collect(ctx, sources, false, Filter{Since: o.Since, Until: o.Until}, agg); err != nil {
			return nil, err
		}
		rep.Skipped = agg.Skipped
		rep.NoConsumer = agg.NoConsumer()
		groups = agg.Groups()
	}
	SortGroups(groups, o.Sort)
	rep.Rows = NewRows(o.By, groups)
	return rep, nil
}
