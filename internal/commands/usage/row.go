package usage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/usage"
)

// Row is one group as -o json prints it: the grouping keys first (consumer, model, ...), then the
// figures. cost_usd is null when no request of the group could be priced; latencies are null when
// unknown.
type Row struct {
	Keys             []usage.Dim `json:"-"`
	Values           []string    `json:"-"`
	Requests         int64       `json:"requests"`
	Errors           int64       `json:"errors"`
	InputTokens      int64       `json:"inputTokens"`
	OutputTokens     int64       `json:"outputTokens"`
	CachedTokens     int64       `json:"cachedTokens"`
	CostUSD          *float64    `json:"costUSD"`
	UnpricedRequests int64       `json:"unpricedRequests"`
	LatencyP50       *float64    `json:"latencyP50Ms"`
	LatencyP95       *float64    `json:"latencyP95Ms"`
	FirstTokenP50    *float64    `json:"firstTokenP50Ms"`
	FirstTokenP95    *float64    `json:"firstTokenP95Ms"`
}

func newRow(by []usage.Dim, g *usage.Group) Row {
	r := Row{Keys: by, Values: g.Keys, Requests: g.Requests, Errors: g.Errors, InputTokens: g.InputTokens,
		OutputTokens: g.OutputTokens, CachedTokens: g.CachedTokens, UnpricedRequests: g.UnpricedRequests,
		LatencyP50: quantile(&g.Duration, 0.5), LatencyP95: quantile(&g.Duration, 0.95),
		FirstTokenP50: quantile(&g.FirstToken, 0.5), FirstTokenP95: quantile(&g.FirstToken, 0.95)}
	if g.Priced() {
		c := math.Round(g.CostUSD()*1e6) / 1e6
		r.CostUSD = &c
	}
	return r
}

func quantile(h *usage.Histogram, q float64) *float64 {
	v := h.Quantile(q)
	if v < 0 {
		return nil
	}
	v = math.Round(v)
	return &v
}

// MarshalJSON writes the keys in --by order before the figures.
func (r Row) MarshalJSON() ([]byte, error) {
	type figures Row
	body, err := json.Marshal(figures(r))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range r.Keys {
		kb, _ := json.Marshal(string(k))
		vb, _ := json.Marshal(r.Values[i])
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
		buf.WriteByte(',')
	}
	buf.Write(body[1:])
	return buf.Bytes(), nil
}

func headers(by []usage.Dim) []string {
	out := make([]string, len(by))
	for i, d := range by {
		out[i] = strings.ToUpper(string(d))
	}
	return out
}

func humanTable(by []usage.Dim, rows []Row, wide bool) *cmdutil.Table {
	h := append(headers(by), "REQUESTS", "ERRORS", "INPUT", "OUTPUT", "COST", "P50", "P95")
	if wide {
		h = append(h, "CACHED", "TTFT P50", "TTFT P95")
	}
	t := cmdutil.NewTable(h...)
	var total usage.Group
	var cost float64
	var priced bool
	for _, r := range rows {
		cells := append(append([]string{}, r.Values...), count(r.Requests), count(r.Errors), count(r.InputTokens), count(r.OutputTokens),
			costCell(r.CostUSD, r.UnpricedRequests), ms(r.LatencyP50), ms(r.LatencyP95))
		if wide {
			cells = append(cells, count(r.CachedTokens), ms(r.FirstTokenP50), ms(r.FirstTokenP95))
		}
		t.Row(cells...)
		total.Requests += r.Requests
		total.Errors += r.Errors
		total.InputTokens += r.InputTokens
		total.OutputTokens += r.OutputTokens
		total.CachedTokens += r.CachedTokens
		total.UnpricedRequests += r.UnpricedRequests
		if r.CostUSD != nil {
			cost += *r.CostUSD
			priced = true
		}
	}
	if len(rows) > 1 {
		cells := make([]string, len(by))
		cells[0] = "TOTAL"
		var c *float64
		if priced {
			c = &cost
		}
		cells = append(cells, count(total.Requests), count(total.Errors), count(total.InputTokens), count(total.OutputTokens),
			costCell(c, total.UnpricedRequests), "", "")
		if wide {
			cells = append(cells, count(total.CachedTokens), "", "")
		}
		t.Row(cells...)
	}
	return t
}

func csvTable(by []usage.Dim, rows []Row) *cmdutil.Table {
	h := make([]string, len(by))
	for i, d := range by {
		h[i] = string(d)
	}
	t := cmdutil.NewTable(append(h, "requests", "errors", "inputTokens", "outputTokens", "cachedTokens", "costUSD",
		"unpricedRequests", "latencyP50Ms", "latencyP95Ms", "firstTokenP50Ms", "firstTokenP95Ms")...)
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	for _, r := range rows {
		t.Row(append(append([]string{}, r.Values...), strconv.FormatInt(r.Requests, 10), strconv.FormatInt(r.Errors, 10),
			strconv.FormatInt(r.InputTokens, 10), strconv.FormatInt(r.OutputTokens, 10), strconv.FormatInt(r.CachedTokens, 10),
			num(r.CostUSD), strconv.FormatInt(r.UnpricedRequests, 10), num(r.LatencyP50), num(r.LatencyP95),
			num(r.FirstTokenP50), num(r.FirstTokenP95))...)
	}
	return t
}

// count prints a number with thousands separators.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func costCell(c *float64, unpriced int64) string {
	switch {
	case c == nil:
		return "UNPRICED"
	case unpriced > 0:
		return fmt.Sprintf("$%.2f + %d unpriced", *c, unpriced)
	case *c < 0.01 && *c > 0:
		return fmt.Sprintf("$%.4f", *c)
	}
	return fmt.Sprintf("$%.2f", *c)
}

func ms(v *float64) string {
	switch {
	case v == nil:
		return "-"
	case *v >= 1000:
		return fmt.Sprintf("%.1fs", *v/1000)
	}
	return fmt.Sprintf("%.0fms", *v)
}
