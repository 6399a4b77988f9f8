package usage

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"strconv"

	"github.com/higress-ai/higress-ai/internal/usage"
)

// followColumns are the fields of one request under --follow: the JSON keys and the CSV header.
func followColumns() []string {
	return []string{"time", "consumer", "model", "route", "status", "inputTokens", "outputTokens", "cachedTokens",
		"reasoningTokens", "costUSD", "durationMs", "firstTokenMs"}
}

// followHead is the table form's heading; followWidths the widths of its columns (a longer value
// pushes the line out: a line is never cut).
func followHead() []string {
	return []string{"TIME", "CONSUMER", "MODEL", "ROUTE", "STATUS", "INPUT", "OUTPUT", "COST", "LATENCY"}
}

func followWidths() []int { return []int{24, 16, 20, 16, 6, 8, 8, 10, 8} }

// followRun prints every request as it is read: one line each, flushed once per batch.
func followRun(o *Options) error {
	f := o.F
	prices, err := usage.LoadPrices(o.PricesFile)
	if err != nil {
		return fmt.Errorf("--prices: %w", err)
	}
	if err := o.checkDir(); err != nil {
		return err
	}
	sources, err := o.sourceOptions().Sources()
	if err != nil {
		return sourceError(err)
	}
	out := make(chan usage.Batch, 1)
	done := make(chan error, 1)
	go func() {
		done <- usage.Stream(f.Context, sources, usage.StreamOptions{Filter: usage.Filter{Since: o.Since}}, out)
	}()
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	switch o.Output {
	case "csv":
		cw.Write(followColumns())
		cw.Flush()
	case "table", "wide":
		tableLine(&buf, followHead())
	}
	var skipped, ai int64
	var werr error
	attributed, warned := false, false
	for b := range out {
		skipped += b.Skipped
		for i := range b.Records {
			r := &b.Records[i]
			if r.HasAILog {
				ai++
			}
			attributed = attributed || r.Consumer != usage.Missing
			values := followValues(r, prices)
			switch o.Output {
			case "json":
				writeJSONLine(&buf, values)
			case "csv":
				cells := make([]string, len(values))
				for i, v := range values {
					cells[i] = followCell(v)
				}
				cw.Write(cells)
				cw.Flush()
			default:
				tableLine(&buf, tableCells(values))
			}
		}
		// Said once, after the first batch with AI traffic: a live feed cannot wait for the end.
		if ai > 0 && !attributed && !warned {
			fmt.Fprintln(f.IO.ErrOut, "warning: "+usage.ConsumerHint)
			warned = true
		}
		if werr == nil && buf.Len() > 0 {
			_, werr = f.IO.Out.Write(buf.Bytes())
		}
		buf.Reset()
	}
	err = <-done
	if skipped > 0 {
		fmt.Fprintf(f.IO.ErrOut, "skipped %d unparseable lines\n", skipped)
	}
	if err != nil {
		return err
	}
	return werr
}

// followValues are a request's values in followColumns' order: nil where unknown.
func followValues(r *usage.Record, prices *usage.Prices) []any {
	var t, cost, first, duration any
	if !r.Time.IsZero() {
		t = r.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
	switch pico, pricing := prices.Request(r); pricing {
	case usage.Priced:
		cost = float64(pico) / 1e12
	case usage.NotCharged:
		cost = 0.0
	}
	if r.Duration >= 0 {
		duration = r.Duration
	}
	if r.FirstToken >= 0 {
		first = r.FirstToken
	}
	var status any
	if r.Status != 0 {
		status = r.Status
	}
	name := func(s string) any {
		if s == usage.Missing {
			return nil
		}
		return s
	}
	return []any{t, name(r.Consumer), name(r.Model), name(r.Route), status, r.InputTokens, r.OutputTokens, r.CachedTokens,
		r.ReasoningTokens, cost, duration, first}
}

func writeJSONLine(buf *bytes.Buffer, values []any) {
	buf.WriteByte('{')
	for i, name := range followColumns() {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(name)
		vb, _ := json.Marshal(values[i])
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
	}
	buf.WriteString("}\n")
}

func followCell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return termsafe.Escape(v) // names from the log: never raw to a terminal
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// tableCells are the table's cells of a request's values (cached tokens and time to first token
// are left to -o json and csv).
func tableCells(v []any) []string {
	cost := "UNPRICED"
	if c, ok := v[9].(float64); ok {
		cost = costCell(&c, 0)
	}
	latency := "-"
	if d, ok := v[10].(float64); ok {
		latency = ms(&d)
	}
	t := "-"
	if s, ok := v[0].(string); ok {
		t = s
	}
	status := "-"
	if s, ok := v[4].(int); ok {
		status = strconv.Itoa(s)
	}
	name := func(v any) string {
		if s, ok := v.(string); ok {
			return s
		}
		return missingCell
	}
	return []string{t, name(v[1]), name(v[2]), name(v[3]), status, count(v[5].(int64)), count(v[6].(int64)), cost, latency}
}

func tableLine(buf *bytes.Buffer, cells []string) {
	width := followWidths()
	for i, c := range cells {
		if i == len(cells)-1 {
			buf.WriteString(c)
			break
		}
		fmt.Fprintf(buf, "%-*s ", width[i], c)
	}
	buf.WriteByte('\n')
}
