package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/higress-ai/higress-ai/internal/tui/feed"
	"github.com/higress-ai/higress-ai/internal/usage"
)

// denied counts the refused requests (401, 403, 429) by who refused them, consumer and route.
type denied struct {
	list
	byLast   bool
	rows     []*feed.DenialGroup
	byReason []reasonCount
}

type reasonCount struct {
	reason usage.Reason
	n      int64
}

func newDenied(c *Common) *denied {
	v := &denied{list: list{c: c}}
	v.derive = v.deriveRows
	return v
}

func (v *denied) Name() string             { return "denied" }
func (v *denied) ShortHelp() []key.Binding { return nil }

func (v *denied) CycleSort() string {
	v.byLast = !v.byLast
	v.derive()
	if v.byLast {
		return "last seen"
	}
	return "count"
}

func (v *denied) deriveRows() {
	v.rows, v.byReason = v.rows[:0], v.byReason[:0]
	if v.s == nil {
		return
	}
	f := strings.ToLower(v.filter)
	counts := map[usage.Reason]int64{}
	for i := range v.s.Denials {
		g := &v.s.Denials[i]
		if f != "" && !strings.Contains(strings.ToLower(string(g.Reason)+" "+label(g.Consumer)+" "+label(g.Route)+" "+strconv.Itoa(g.Status)), f) {
			continue
		}
		v.rows = append(v.rows, g)
		counts[g.Reason] += g.Count
	}
	for r, n := range counts {
		v.byReason = append(v.byReason, reasonCount{r, n})
	}
	slices.SortFunc(v.byReason, func(a, b reasonCount) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.reason, b.reason))
	})
	slices.SortFunc(v.rows, func(a, b *feed.DenialGroup) int {
		c := cmp.Compare(b.Count, a.Count)
		if v.byLast {
			c = b.Last.Compare(a.Last)
		}
		return cmp.Or(c, cmp.Compare(a.Reason, b.Reason), cmp.Compare(a.Consumer, b.Consumer), cmp.Compare(a.Route, b.Route))
	})
}

func (v *denied) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	v.sc.move(km, v.c.Keys, len(v.rows), v.bodyRows())
	return nil
}

func (v *denied) bodyRows() int { return max(v.height-4, 1) }

func deniedColumns() []column {
	return []column{
		{title: "REFUSED BY", width: 30, rank: 0},
		{title: "STATUS", width: 6, right: true, rank: 0},
		{title: "CONSUMER", width: 10, rank: 0, grow: true},
		{title: "ROUTE", width: 12, rank: 0, grow: true},
		{title: "COUNT", width: 7, right: true, rank: 0},
		{title: "LAST", width: 8, right: true, rank: 1},
	}
}

func (v *denied) cells(g *feed.DenialGroup) []string {
	return []string{string(g.Reason), strconv.Itoa(g.Status), label(g.Consumer), label(g.Route), count(g.Count), ago(g.Last, v.s.End)}
}

func (v *denied) View() string {
	st := v.c.Styles
	if v.s == nil {
		return st.Muted.Render("waiting for " + v.c.Source + "…")
	}
	if v.s.Metrics {
		return strings.Join(wrap(metricsNote("refused requests"), v.width), "\n")
	}
	var parts []string
	for _, r := range v.byReason {
		parts = append(parts, fmt.Sprintf("%s %s", r.reason, count(r.n)))
	}
	summary := fmt.Sprintf("%s refused (401/403/429), classified by response_code_details", count(v.s.DeniedAll))
	if v.filter != "" {
		summary += fmt.Sprintf(" · filter %q", v.filter)
	}
	lines := []string{st.Muted.Render(fit(summary, v.width, false)), fit(strings.Join(parts, " · "), v.width, false)}
	t := newTable(deniedColumns(), v.width)
	sortCol := 4
	if v.byLast {
		sortCol = 5
	}
	lines = append(lines, "", t.header(st, sortCol))
	v.sc.clamp(len(v.rows), v.bodyRows())
	for i := v.sc.top; i < len(v.rows) && i < v.sc.top+v.bodyRows(); i++ {
		line := t.row(v.cells(v.rows[i]))
		if i == v.sc.cursor {
			line = st.Selected.Render(line)
		}
		lines = append(lines, line)
	}
	if len(v.rows) == 0 {
		lines = append(lines, st.Muted.Render("no refused requests"))
	}
	return strings.Join(lines, "\n")
}

func (v *denied) Grid() Grid {
	t := newTable(deniedColumns(), v.width)
	g := Grid{View: "denied", Header: t.titles()}
	for i := v.sc.top; i < len(v.rows) && i < v.sc.top+v.bodyRows(); i++ {
		g.Rows = append(g.Rows, t.shown(v.cells(v.rows[i])))
	}
	return g
}
