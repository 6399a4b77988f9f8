package cmdutil

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestTableOnAColourTerminalAlignsAsWithout(t *testing.T) {
	render := func(color bool) string {
		t.Helper()
		io, out := &IOStreams{}, &bytes.Buffer{}
		io.Out = out
		io.Color = color
		tb := NewTable("NAME", "KEY", "ALLOWED ON")
		tb.Row("alice", "Bearer hai_****0000", "route gpt-4o")
		tb.Row("a-much-longer-name", "****0001", "")
		if err := tb.Render(io); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	plain, coloured := render(false), render(true)
	want := "NAME                 KEY                   ALLOWED ON\n" +
		"alice                Bearer hai_****0000   route gpt-4o\n" +
		"a-much-longer-name   ****0001\n"
	if plain != want {
		t.Fatalf("plain table:\n%q\nwant:\n%q", plain, want)
	}
	if !strings.Contains(coloured, "\x1b[1m") {
		t.Fatalf("no bold header on a colour terminal: %q", coloured)
	}
	if got := ansiEscape.ReplaceAllString(coloured, ""); got != plain {
		t.Fatalf("coloured table, escapes removed:\n%q\nwant:\n%q", got, plain)
	}
}
