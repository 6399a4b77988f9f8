package cmdutil

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/termsafe"
)

// Table collects rows and prints them aligned. On a colour terminal the header is bold; off a
// terminal the columns are stable and plain, for scripts.
type Table struct {
	headers []string
	rows    [][]string
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

// Render writes the table to the streams' stdout.
func (t *Table) Render(s *IOStreams) error {
	var buf bytes.Buffer
	w := tabwriter.NewWriter(&buf, 0, 4, 3, ' ', 0)
	fmt.Fprintln(w, strings.Join(t.headers, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	// Empty last cells would leave trailing blanks. The header is made bold after alignment, so
	// its escape codes do not count as width.
	var out strings.Builder
	for i, line := range strings.SplitAfter(buf.String(), "\n") {
		text := strings.TrimRight(strings.TrimSuffix(line, "\n"), " ")
		if i == 0 && s.Color {
			text = s.Bold(text)
		}
		out.WriteString(text)
		if strings.HasSuffix(line, "\n") {
			out.WriteByte('\n')
		}
	}
	_, err := io.WriteString(s.Out, out.String())
	return err
}

// RenderCSV writes the table as CSV with a header row.
func (t *Table) RenderCSV(s *IOStreams) error {
	w := csv.NewWriter(s.Out)
	if err := w.Write(t.headers); err != nil {
		return err
	}
	if err := w.WriteAll(t.rows); err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}

// PrintStructured writes data as json or yaml; other formats are the caller's.
func PrintStructured(s *IOStreams, format string, data any) error {
	switch format {
	case "json":
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(data); err != nil {
			return err
		}
		_, err := s.Out.Write(termsafe.EscapeJSON(buf.Bytes()))
		return err
	case "yaml":
		// yaml.Marshal's own way (JSON, then YAML), with the JSON escaped: its YAML parser
		// refuses a raw C1 control, which a name from a file or a log may hold.
		js, err := json.Marshal(data)
		if err != nil {
			return err
		}
		b, err := yaml.JSONToYAML(termsafe.EscapeJSON(js))
		if err == nil {
			b, err = termsafe.EscapeYAML(b)
		}
		if err != nil {
			return err
		}
		_, err = s.Out.Write(b)
		return err
	}
	return fmt.Errorf("unsupported output format %q", format)
}
