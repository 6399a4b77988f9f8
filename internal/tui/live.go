package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/higress-ai/higress-ai/internal/usage"
)

// live is the request stream, newest first, filtered with /.
type live struct {
	list
	rows []*usage.Record
}

func newLive(c *Common) *live {
	v := &live{list: list{c: c}}
	v.derive = v.deriveRows
	return v
}

func (v *live) Name() string             { return "live" }
func (v *live) ShortHelp() []key.Binding { return nil }

func (v *live) deriveRows() {
	v.rows = v.rows[:0]
	if v.s == nil {
		return
	}
	f := strings.ToLower(v.filter)
	for i := range v.s.Recent {
		r := &v.s.Recent[i]
		if f == "" || matchRecord(r, f) {
			v.rows = append(v.rows, r)
		}
	}
}

// matchRecord reports whether a lower-case filter is in the request's consumer, model, route or
// status.
func matchRecord(r *usage.Record, f string) bool {
	return strings.Contains(strings.ToLower(label(r.Consumer)), f) || strings.Contains(strings.ToLower(label(r.Model)), f) ||
		strings.Contains(strings.ToLower(label(r.Route)), f) || strings.HasPrefix(strconv.Itoa(r.Status), f)
}

func (v *live) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	v.sc.move(km, v.c.Keys, len(v.rows), v.bodyRows())
	return nil
}

func (v *live) bodyRows() int { return max(v.height-2, 1) }

func recordColumns() []column {
	return []column{
		{title: "TIME", width: 8, rank: 0},
		{title: "CONSUMER", width: 10, rank: 0, grow: true},
		{title: "MODEL", width: 12, rank: 0, grow: true},
		{title: "ROUTE", width: 10, rank: 1, grow: true},
		{title: "STATUS", width: 6, right: true, rank: 0},
		{title: "IN", width: 7, right: true, rank: 0},
		{title: "OUT", width: 7, right: true, rank: 0},
		{title: "CACHED", width: 7, right: true, rank: 2},
		{title: "LATENCY", width: 7, right: true, rank: 0},
		{title: "TTFT", width: 7, right: true, rank: 2},
	}
}

func recordCells(r *usage.Record) []string {
	t := "-"
	if !r.Time.IsZero() {
		t = clock(r.Time)
	}
	status := "-"
	if r.Status > 0 {
		status = strconv.Itoa(r.Status)
	}
	in, out := "-", "-"
	if r.HasTokens {
		in, out = count(r.InputTokens), count(r.OutputTokens)
	}
	return []string{t, label(r.Consumer), label(r.Model), label(r.Route), status, in, out, count(r.CachedTokens), ms(r.Duration), ms(r.FirstToken)}
}

// recordLines renders up to h requests from top, the cursor's highlighted (-1: none).
func recordLines(st *Styles, t *table, list []*usage.Record, top, h, cursor int) []string {
	var lines []string
	for i := top; i < len(list) && i < top+h; i++ {
		line := t.row(recordCells(list[i]))
		switch {
		case i == cursor:
			line = st.Selected.Render(line)
		case list[i].Error():
			line = st.Warn.Render(line)
		}
		lines = append(lines, line)
	}
	return lines
}

func (v *live) View() string {
	st := v.c.Styles
	if v.s == nil {
		return st.Muted.Render("waiting for " + v.c.Source + "…")
	}
	if v.s.Metrics {
		return strings.Join(wrap(metricsNote("single requests"), v.width), "\n")
	}
	t := newTable(recordColumns(), v.width)
	summary := fmt.Sprintf("latest %s of %s requests, newest first", count(int64(len(v.rows))), count(v.s.Requests))
	if v.filter != "" {
		summary += fmt.Sprintf(" · filter %q", v.filter)
	}
	lines := []string{st.Muted.Render(fit(summary, v.width, false)), t.header(st, -1)}
	v.sc.clamp(len(v.rows), v.bodyRows())
	lines = append(lines, recordLines(st, t, v.rows, v.sc.top, v.bodyRows(), v.sc.cursor)...)
	if len(v.rows) == 0 {
		lines = append(lines, st.Muted.Render("no requests match"))
	}
	return strings.Join(lines, "\n")
}

func (v *live) Grid() Grid {
	t := newTable(recordColumns(), v.width)
	g := Grid{View: "live", Header: t.titles()}
	for i := v.sc.top; i < len(v.rows) && i < v.sc.top+v.bodyRows(); i++ {
		g.Rows = append(g.Rows, t.shown(recordCells(v.rows[i])))
	}
	return g
}
