package usage

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/usage"
)

func headers(by []usage.Dim) []string {
	out := make([]string, len(by))
	for i, d := range by {
		out[i] = strings.ToUpper(string(d))
	}
	return out
}

// humanTable is the report for a person: counts with separators, costs in dollars, latencies in
// ms or s, and a TOTAL row under several rows.
func humanTable(rep *usage.Report, wide bool) *cmdutil.Table {
	h := append(headers(rep.By), "REQUESTS", "ERRORS", "INPUT", "OUTPUT", "COST", "P50", "P95")
	if wide {
		h = append(h, "CACHED", "REASONING", "TTFT P50", "TTFT P95")
	}
	t := cmdutil.NewTable(h...)
	for _, r := range rep.Rows {
		cells := append(keyCells(r.Keys), count(r.Requests), count(r.Errors), count(r.InputTokens), count(r.OutputTokens),
			costCell(r.CostUSD, r.UnpricedRequests), ms(r.LatencyP50), ms(r.LatencyP95))
		if wide {
			cells = append(cells, count(r.CachedTokens), count(r.ReasoningTokens), ms(r.FirstTokenP50), ms(r.FirstTokenP95))
		}
		t.Row(cells...)
	}
	if len(rep.Rows) > 1 {
		total := rep.Total()
		cells := make([]string, len(rep.By))
		cells[0] = "TOTAL"
		cells = append(cells, count(total.Requests), count(total.Errors), count(total.InputTokens), count(total.OutputTokens),
			costCell(total.CostUSD, total.UnpricedRequests), "", "")
		if wide {
			cells = append(cells, count(total.CachedTokens), count(total.ReasoningTokens), "", "")
		}
		t.Row(cells...)
	}
	return t
}

// csvTable is the report's columns and values as they are: plain numbers, empty when unknown.
func csvTable(rep *usage.Report) *cmdutil.Table {
	t := cmdutil.NewTable(usage.Columns(rep.By)...)
	for _, r := range rep.Rows {
		values := r.Values()
		cells := make([]string, len(values))
		for i, v := range values {
			cells[i] = csvCell(v)
		}
		t.Row(cells...)
	}
	return t
}

// missingCell is how a table shows a consumer, model, route, day or status the log did not give.
const missingCell = "(none)"

// keyCells are a row's keys as a table shows them.
func keyCells(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = keyCell(k)
	}
	return out
}

func keyCell(k string) string {
	if k == usage.Missing {
		return missingCell
	}
	return k
}

func csvCell(v any) string {
	switch v := v.(type) {
	case *string:
		if v == nil {
			return ""
		}
		return *v
	case int64:
		return strconv.FormatInt(v, 10)
	case *float64:
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
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
