package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Grid is what a view shows as text: what e exports.
type Grid struct {
	View   string
	Header []string
	Rows   [][]string
}

// column describes a table column: its title, its width (the name column grows to fill), whether
// it is right-aligned, and its rank (columns of a higher rank are dropped first when the terminal
// is narrow).
type column struct {
	title string
	width int
	right bool
	rank  int
	grow  bool
}

// layout picks the columns that fit in width, in their order, and widens the growing one.
func layout(cols []column, width int) []int {
	var idx []int
	maxRank := 0
	for _, c := range cols {
		maxRank = max(maxRank, c.rank)
	}
	for rank := maxRank; rank >= 0; rank-- {
		idx = idx[:0]
		total := 0
		for i, c := range cols {
			if c.rank <= rank {
				idx = append(idx, i)
				total += c.width + 1
			}
		}
		if total-1 <= width || rank == 0 {
			return idx
		}
	}
	return idx
}

// table renders the header and the rows of cells at width, the row sel highlighted (-1: none).
type table struct {
	cols []column
	// which are the columns shown, widths their widths.
	which, widths []int
}

func newTable(cols []column, width int) *table {
	t := &table{cols: cols, which: layout(cols, width)}
	total := 0
	for _, i := range t.which {
		total += cols[i].width + 1
	}
	total--
	growing := 0
	for _, i := range t.which {
		if cols[i].grow {
			growing++
		}
	}
	extra := max(width-total, 0)
	for _, i := range t.which {
		w := cols[i].width
		if cols[i].grow {
			w += min(extra/growing, 24)
		}
		t.widths = append(t.widths, w)
	}
	return t
}

func (t *table) header(st *Styles, sortCol int) string {
	var b strings.Builder
	for j, i := range t.which {
		if j > 0 {
			b.WriteByte(' ')
		}
		title := t.cols[i].title
		if i == sortCol {
			title += "▼"
		}
		b.WriteString(fit(title, t.widths[j], t.cols[i].right))
	}
	return st.Header.Render(b.String())
}

func (t *table) row(cells []string) string {
	var b strings.Builder
	for j, i := range t.which {
		if j > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fit(cells[i], t.widths[j], t.cols[i].right))
	}
	return b.String()
}

// titles are the titles of the columns shown.
func (t *table) titles() []string {
	out := make([]string, len(t.which))
	for j, i := range t.which {
		out[j] = strings.TrimSpace(t.cols[i].title)
	}
	return out
}

// shown returns the cells of the columns shown.
func (t *table) shown(cells []string) []string {
	out := make([]string, len(t.which))
	for j, i := range t.which {
		out[j] = cells[i]
	}
	return out
}

// scroller keeps a cursor and the first row shown of a list of n rows in h lines.
type scroller struct {
	cursor, top int
}

// move moves the cursor for the navigation keys (up, down, page up, page down) among n rows in h
// lines, and reports whether km was one of them.
func (s *scroller) move(km tea.KeyMsg, k *KeyMap, n, h int) bool {
	switch {
	case key.Matches(km, k.Up):
		s.cursor--
	case key.Matches(km, k.Down):
		s.cursor++
	case key.Matches(km, k.PageUp):
		s.cursor -= h
	case key.Matches(km, k.PageDown):
		s.cursor += h
	default:
		return false
	}
	s.clamp(n, h)
	return true
}

func (s *scroller) clamp(n, h int) {
	s.cursor = min(max(s.cursor, 0), max(n-1, 0))
	if h <= 0 {
		return
	}
	if s.cursor < s.top {
		s.top = s.cursor
	}
	if s.cursor >= s.top+h {
		s.top = s.cursor - h + 1
	}
	s.top = min(max(s.top, 0), max(n-h, 0))
}
