package tui

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/higress-ai/higress-ai/internal/tui/feed"
)

// rowsView is the Consumers or the Models table: sortable, filterable, Enter drills down.
type rowsView struct {
	list
	dim  feed.Dim
	sort int
	// rows are the rows shown, filtered and sorted, made when the snapshot, the order or the
	// filter change, never in View; total sums them.
	rows  []*feed.Row
	total feed.Row
}

func newRowsView(c *Common, dim feed.Dim) *rowsView {
	v := &rowsView{list: list{c: c}, dim: dim}
	v.derive = v.deriveRows
	return v
}

type rowSort struct {
	name string
	col  int
	cmp  func(a, b *feed.Row) int
}

// rowSorts are the orders s cycles through; each sorts descending but name.
var rowSorts = []rowSort{
	{"cost", colCost, func(a, b *feed.Row) int { return cmp.Compare(b.CostPico, a.CostPico) }},
	{"$/h", colRate, func(a, b *feed.Row) int { return cmp.Compare(b.CostPerHour, a.CostPerHour) }},
	{"change", colChange, func(a, b *feed.Row) int { return cmp.Compare(changeKey(b.Change), changeKey(a.Change)) }},
	{"requests", colRequests, func(a, b *feed.Row) int { return cmp.Compare(b.Requests, a.Requests) }},
	{"errors", colErrors, func(a, b *feed.Row) int { return cmp.Compare(b.Errors, a.Errors) }},
	{"tokens", colOutput, func(a, b *feed.Row) int { return cmp.Compare(b.Input+b.Output, a.Input+a.Output) }},
	{"cached", colCached, func(a, b *feed.Row) int { return cmp.Compare(b.Cached, a.Cached) }},
	{"p95", colP95, func(a, b *feed.Row) int { return cmp.Compare(b.P95, a.P95) }},
	{"last seen", colLast, func(a, b *feed.Row) int { return b.Last.Compare(a.Last) }},
	{"name", colName, func(a, b *feed.Row) int { return 0 }},
}

func changeKey(c float64) float64 {
	if math.IsNaN(c) {
		return math.Inf(-1)
	}
	return c
}

const (
	colName = iota
	colRequests
	colErrors
	colInput
	colOutput
	colCached
	colCost
	colRate
	colChange
	colP95
	colLast
	colTrend
)

func rowColumns(dim feed.Dim) []column {
	name := "CONSUMER"
	if dim == feed.Models {
		name = "MODEL"
	}
	return []column{
		{title: name, width: 12, rank: 0, grow: true},
		{title: "REQUESTS", width: 8, right: true, rank: 0},
		{title: "ERRORS", width: 6, right: true, rank: 1},
		{title: "INPUT", width: 8, right: true, rank: 2},
		{title: "OUTPUT", width: 8, right: true, rank: 2},
		{title: "CACHED", width: 8, right: true, rank: 3},
		{title: "COST", width: 10, right: true, rank: 0},
		{title: "$/H", width: 8, right: true, rank: 0},
		{title: "CHANGE", width: 6, right: true, rank: 1},
		{title: "P95", width: 7, right: true, rank: 1},
		{title: "LAST", width: 5, right: true, rank: 2},
		{title: "TREND", width: 10, rank: 0},
	}
}

func (v *rowsView) Name() string {
	if v.dim == feed.Models {
		return "models"
	}
	return "consumers"
}

func (v *rowsView) CycleSort() string {
	v.sort = (v.sort + 1) % len(rowSorts)
	v.deriveRows()
	return rowSorts[v.sort].name
}

// SetSort orders by the named order, when there is one.
func (v *rowsView) SetSort(name string) {
	if i := slices.IndexFunc(rowSorts, func(s rowSort) bool { return s.name == name }); i >= 0 {
		v.sort = i
		v.deriveRows()
	}
}

func (v *rowsView) all() []feed.Row {
	if v.s == nil {
		return nil
	}
	if v.dim == feed.Models {
		return v.s.Models
	}
	return v.s.Consumers
}

func (v *rowsView) deriveRows() {
	rows := v.all()
	v.rows = v.rows[:0]
	v.total = feed.Row{P95: -1, Change: math.NaN()}
	f := strings.ToLower(v.filter)
	for i := range rows {
		r := &rows[i]
		if f != "" && !strings.Contains(strings.ToLower(label(r.Name)), f) {
			continue
		}
		v.rows = append(v.rows, r)
		t := &v.total
		t.Requests += r.Requests
		t.Errors += r.Errors
		t.Input += r.Input
		t.Output += r.Output
		t.Cached += r.Cached
		t.CostPico += r.CostPico
		t.Unpriced += r.Unpriced
		t.Priced = t.Priced || r.Priced
		t.CostPerHour += r.CostPerHour
		t.WindowRequests += r.WindowRequests
	}
	order := rowSorts[v.sort].cmp
	slices.SortStableFunc(v.rows, func(a, b *feed.Row) int {
		if c := order(a, b); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
}

// selected is the row under the cursor.
func (v *rowsView) selected() *feed.Row {
	if len(v.rows) == 0 {
		return nil
	}
	v.sc.clamp(len(v.rows), v.bodyRows())
	return v.rows[v.sc.cursor]
}

func (v *rowsView) bodyRows() int { return max(v.height-v.top()-3, 1) }

// top is how many lines the notes above the table take.
func (v *rowsView) top() int { return len(v.notes()) }

func (v *rowsView) notes() []string {
	if v.s == nil {
		return nil
	}
	msg := emptyState(v.s, v.c.Source)
	if msg == "" {
		return nil
	}
	return wrap(msg, v.width)
}

func (v *rowsView) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	if v.sc.move(km, v.c.Keys, len(v.rows), v.bodyRows()) || !key.Matches(km, v.c.Keys.Enter) {
		return nil
	}
	if r := v.selected(); r != nil {
		fc := feed.Focus{Dim: v.dim, Name: r.Name, On: true}
		return func() tea.Msg { return DrillMsg{Focus: fc} }
	}
	return nil
}

func (v *rowsView) ShortHelp() []key.Binding { return []key.Binding{v.c.Keys.Enter} }

func (v *rowsView) cells(r *feed.Row) []string {
	end := v.s.End
	trend := sparkline(compress(r.Spark[:], 10), 10)
	last := ago(r.Last, end)
	if r == &v.total {
		trend, last = "", ""
	}
	name := label(r.Name)
	if r == &v.total {
		name = "TOTAL"
	}
	return []string{name, count(r.Requests), count(r.Errors), short(float64(r.Input)), short(float64(r.Output)),
		short(float64(r.Cached)), costCell(r), rateCell(r), changeCell(r.Change), ms(r.P95), last, trend}
}

func rateCell(r *feed.Row) string {
	if !r.Priced && r.Requests > 0 {
		return "-"
	}
	return dollars(r.CostPerHour)
}

func (v *rowsView) View() string {
	st := v.c.Styles
	if v.s == nil {
		return st.Muted.Render("waiting for " + v.c.Source + "…")
	}
	lines := v.notes()
	t := newTable(rowColumns(v.dim), v.width)
	summary := fmt.Sprintf("%s %s · sorted by %s", count(int64(len(v.rows))), v.Name(), rowSorts[v.sort].name)
	if v.filter != "" {
		summary += " · filter " + fmt.Sprintf("%q", v.filter)
	}
	if v.s.Metrics {
		summary += fmt.Sprintf(" · every figure over %s, from Prometheus (no errors or latencies there)", zoomName(v.s.Window))
	} else {
		summary += fmt.Sprintf(" · $/H and CHANGE over %s", zoomName(v.s.Window))
	}
	lines = append(lines, st.Muted.Render(fit(summary, v.width, false)), t.header(st, rowSorts[v.sort].col))
	h := v.bodyRows()
	v.sc.clamp(len(v.rows), h)
	for i := v.sc.top; i < len(v.rows) && i < v.sc.top+h; i++ {
		line := t.row(v.cells(v.rows[i]))
		if i == v.sc.cursor {
			line = st.Selected.Render(line)
		}
		lines = append(lines, line)
	}
	if len(v.rows) == 0 {
		lines = append(lines, st.Muted.Render("no "+v.Name()+" match"))
	} else if len(v.rows) > 1 {
		lines = append(lines, st.Value.Render(t.row(v.cells(&v.total))))
	}
	return strings.Join(lines, "\n")
}

func (v *rowsView) Grid() Grid {
	t := newTable(rowColumns(v.dim), v.width)
	g := Grid{View: v.Name(), Header: t.titles()}
	if v.s == nil {
		return g
	}
	h := v.bodyRows()
	v.sc.clamp(len(v.rows), h)
	for i := v.sc.top; i < len(v.rows) && i < v.sc.top+h; i++ {
		g.Rows = append(g.Rows, t.shown(v.cells(v.rows[i])))
	}
	return g
}

// compress sums values into n buckets (n divides len(values) or not: the last bucket takes the
// rest).
func compress(values []float64, n int) []float64 {
	if len(values) <= n {
		return values
	}
	out := make([]float64, n)
	for i, v := range values {
		out[i*n/len(values)] += v
	}
	return out
}
