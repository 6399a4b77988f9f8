package cmdutil

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/higress-ai/higress-ai/internal/termsafe"
)

// Table collects rows and prints them aligned. On a terminal the columns are fitted to its width
// (the widest cells are cut with "…") and the header is bold when colour is on; off a terminal the
// columns are stable and plain, for scripts.
type Table struct {
	headers   []string
	rows      [][]string
	NoHeaders bool
}

// NewTable starts a table with these column headers.
func NewTable(headers ...string) *Table { return &Table{headers: headers} }

// Row adds a row; missing cells print empty. Cells are made terminal-safe (termsafe.Escape):
// names and words come from files, the cluster and logs.
func (t *Table) Row(cells ...string) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = termsafe.Escape(c)
	}
	t.rows = append(t.rows, row)
}

// Len is the number of rows.
func (t *Table) Len() int { return len(t.rows) }

const gap = 3 // spaces between columns

// Render writes the table to the streams' stdout.
func (t *Table) Render(s *IOStreams) error {
	lines := [][]string{}
	if !t.NoHeaders {
		lines = append(lines, t.headers)
	}
	lines = append(lines, t.rows...)
	widths := make([]int, len(t.headers))
	for _, l := range lines {
		for i, c := range l {
			if i < len(widths) {
				widths[i] = max(widths[i], ansi.StringWidth(c))
			}
		}
	}
	if s.StdoutTTY && s.Width > 0 {
		fit(widths, s.Width)
	}
	var out strings.Builder
	for n, l := range lines {
		var b strings.Builder
		for i := range widths {
			c := ""
			if i < len(l) {
				c = l[i]
			}
			if ansi.StringWidth(c) > widths[i] {
				c = ansi.Truncate(c, widths[i], "…")
			}
			b.WriteString(c)
			if i < len(widths)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+gap))
			}
		}
		// Empty last cells would leave trailing blanks. The header is made bold after alignment,
		// so its escape codes do not count as width.
		text := strings.TrimRight(b.String(), " ")
		if n == 0 && !t.NoHeaders && s.Color {
			text = s.Bold(text)
		}
		out.WriteString(text + "\n")
	}
	_, err := io.WriteString(s.Out, out.String())
	return err
}

// fit narrows the widest columns until the table fits width, keeping each at least 6 columns
// (or its own width when narrower).
func fit(widths []int, width int) {
	total := func() int {
		sum := gap * (len(widths) - 1)
		for _, w := range widths {
			sum += w
		}
		return sum
	}
	for total() > width {
		widest := 0
		for i, w := range widths {
			if w > widths[widest] {
				widest = i
			}
		}
		if widths[widest] <= 6 {
			return
		}
		widths[widest]--
	}
}

// RenderCSV writes the table as CSV with a header row (unless NoHeaders).
func (t *Table) RenderCSV(s *IOStreams) error {
	w := csv.NewWriter(s.Out)
	if !t.NoHeaders {
		if err := w.Write(t.headers); err != nil {
			return err
		}
	}
	if err := w.WriteAll(t.rows); err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}
