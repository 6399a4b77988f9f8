package tui

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// ExportCmd writes the grid to a new file in dir, as CSV or JSON (an array of objects keyed by
// the lower-case column titles), named after the view and the time; it never overwrites a file.
//
// This small writer stands in for the CLI's printer layer, which is being reworked: the
// dashboard's export moves onto it once it can write CSV and JSON of any table.
func ExportCmd(g Grid, dir, format string, now time.Time) tea.Cmd {
	return func() tea.Msg {
		path, err := export(g, dir, format, now)
		return ExportedMsg{Path: path, Rows: len(g.Rows), Err: err}
	}
}

func export(g Grid, dir, format string, now time.Time) (string, error) {
	base := fmt.Sprintf("higress-ai-%s-%s", safeName(g.View), now.UTC().Format("20060102-150405"))
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		path := filepath.Join(dir, name+"."+format)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) && i < 100 {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("cannot export: %w", err)
		}
		werr := writeGrid(f, g, format)
		cerr := f.Close()
		if werr = errors.Join(werr, cerr); werr != nil {
			os.Remove(path)
			return "", fmt.Errorf("cannot export to %s: %w", path, werr)
		}
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		return path, nil
	}
}

func writeGrid(w io.Writer, g Grid, format string) error {
	if format == "json" {
		out := make([]map[string]string, 0, len(g.Rows))
		for _, r := range g.Rows {
			obj := map[string]string{}
			for i, h := range g.Header {
				obj[strings.ToLower(h)] = strings.TrimSpace(r[i])
			}
			out = append(out, obj)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	cw := csv.NewWriter(w)
	header := make([]string, len(g.Header))
	for i, h := range g.Header {
		header[i] = strings.ToLower(h)
	}
	cw.Write(header)
	for _, r := range g.Rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = strings.TrimSpace(c)
		}
		cw.Write(cells)
	}
	cw.Flush()
	return cw.Error()
}

// safeName keeps letters, digits, - and _ of a view's name, for a file name.
func safeName(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
