package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/higress-ai/higress-ai/internal/tui/feed"
	"github.com/higress-ai/higress-ai/internal/usage"
)

// detail is a drill-down: a consumer's models (or a model's consumers) and its recent requests.
type detail struct {
	c             *Common
	focus         feed.Focus
	d             *feed.Detail
	end           *feed.Snapshot
	width, height int
	recent        []*usage.Record
}

func newDetail(c *Common, fc feed.Focus) *detail { return &detail{c: c, focus: fc} }

func (v *detail) Name() string             { return "detail" }
func (v *detail) SetSize(w, h int)         { v.width, v.height = w, h }
func (v *detail) ShortHelp() []key.Binding { return []key.Binding{v.c.Keys.Back} }
func (v *detail) Update(tea.Msg) tea.Cmd   { return nil }

func (v *detail) SetSnapshot(s *feed.Snapshot) {
	v.end = s
	// A snapshot made before the feed knew of this focus has another detail, or none.
	if s.Detail != nil && s.Detail.Focus == v.focus {
		v.d = s.Detail
		v.recent = v.recent[:0]
		for i := range v.d.Recent {
			v.recent = append(v.recent, &v.d.Recent[i])
		}
	}
}

func (v *detail) what() (self, other string) {
	if v.focus.Dim == feed.Models {
		return "model", "consumers"
	}
	return "consumer", "models"
}

func detailColumns(other string) []column {
	return []column{
		{title: strings.ToUpper(strings.TrimSuffix(other, "s")), width: 14, grow: true},
		{title: "REQUESTS", width: 8, right: true},
		{title: "ERRORS", width: 6, right: true},
		{title: "INPUT", width: 8, right: true},
		{title: "OUTPUT", width: 8, right: true},
		{title: "CACHED", width: 8, right: true, rank: 1},
		{title: "COST", width: 10, right: true},
		{title: "P95", width: 7, right: true},
	}
}

func detailCells(r *feed.Row) []string {
	return []string{label(r.Name), count(r.Requests), count(r.Errors), short(float64(r.Input)), short(float64(r.Output)),
		short(float64(r.Cached)), costCell(r), ms(r.P95)}
}

// split is how many lines the breakdown gets; the recent requests get the rest.
func (v *detail) split() int {
	n := 1
	if v.d != nil {
		n = len(v.d.Rows)
	}
	return min(n, max((v.height-5)/2, 1))
}

func (v *detail) View() string {
	st := v.c.Styles
	self, other := v.what()
	title := fmt.Sprintf("%s %s", self, label(v.focus.Name))
	if v.d == nil {
		return st.Title.Render(title) + "\n" + st.Muted.Render("loading…")
	}
	if r := v.d.Row; r != nil {
		title += fmt.Sprintf(" · %s requests · %s errors · %s · %s/h over %s · change %s", count(r.Requests), count(r.Errors),
			costCell(r), dollars(r.CostPerHour), zoomName(v.end.Window), changeCell(r.Change))
	}
	lines := []string{st.Title.Render(fit(title, v.width, false))}
	t := newTable(detailColumns(other), v.width)
	lines = append(lines, t.header(st, 6))
	n := v.split()
	for i := 0; i < len(v.d.Rows) && i < n; i++ {
		lines = append(lines, t.row(detailCells(&v.d.Rows[i])))
	}
	rt := newTable(recordColumns(), v.width)
	lines = append(lines, "", st.Muted.Render(fmt.Sprintf("recent requests of %s %s", self, label(v.focus.Name))), rt.header(st, -1))
	lines = append(lines, recordLines(st, rt, v.recent, 0, max(v.height-len(lines), 0), -1)...)
	if len(lines) > v.height {
		lines = lines[:v.height]
	}
	return strings.Join(lines, "\n")
}

func (v *detail) Grid() Grid {
	_, other := v.what()
	t := newTable(detailColumns(other), v.width)
	g := Grid{View: label(v.focus.Name), Header: t.titles()}
	if v.d == nil {
		return g
	}
	for i := 0; i < len(v.d.Rows) && i < v.split(); i++ {
		g.Rows = append(g.Rows, t.shown(detailCells(&v.d.Rows[i])))
	}
	return g
}
