package tui

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/higress-ai/higress-ai/internal/tui/feed"
	"github.com/higress-ai/higress-ai/internal/usage"
	"github.com/higress-ai/higress-ai/internal/usage/usagetest"
)

// updating reports whether -update was given: the flag is teatest's (its golden package
// defines it), shared with the golden screens here.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// wall is the tests' wall clock, days after the generated log.
var wall = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

// extraLines are refusals of every kind the generator does not write.
const extraLines = `{"response_code":"401","response_code_details":"key-auth.no_key","route_name":"gpt-4o","start_time":"2026-11-20T00:10:00.000Z"}
{"ai_log":"{\"consumer\":\"bob\",\"model\":\"gpt-4o\"}","response_code":"403","response_code_details":"ai-proxy.model_not_allowed","route_name":"gpt-4o","start_time":"2026-11-20T00:10:01.000Z"}
{"ai_log":"{\"consumer\":\"ci\"}","response_code":"403","response_code_details":"request-block.body_blocked","route_name":"qwen","start_time":"2026-11-20T00:10:02.000Z"}
{"ai_log":"{\"consumer\":\"ci\",\"token_ratelimit_status\":\"limited\"}","response_code":"429","response_code_details":"ai-token-ratelimit.rejected","route_name":"qwen","start_time":"2026-11-20T00:10:03.000Z"}
`

// testLog is a generated log with the extra refusals.
func testLog(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := usagetest.Write(&buf, 400, 3); err != nil {
		t.Fatal(err)
	}
	buf.WriteString(extraLines)
	return buf.Bytes()
}

// snapshotOf feeds log to a feed through standard input and returns its last snapshot.
func snapshotOf(t testing.TB, log []byte, zoom int, focus feed.Focus) *feed.Snapshot {
	t.Helper()
	s, _ := runFeed(t, bytes.NewReader(log), func(f *feed.Feed) {
		f.SetZoom(zoom)
		f.SetFocus(focus)
	})
	return s
}

// runFeed feeds r to a feed as standard input (prepare sets it up first) and returns the
// snapshot made when r ended, and the feed.
func runFeed(t testing.TB, r io.Reader, prepare func(*feed.Feed)) (*feed.Snapshot, *feed.Feed) {
	t.Helper()
	f := feed.New(feed.Options{Sources: []usage.Source{usage.FileSource{Path: "-", Stdin: r}},
		Now: func() time.Time { return wall }, Every: time.Hour, StreamEvery: 10 * time.Millisecond})
	if prepare != nil {
		prepare(f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	go f.Run(ctx)
	for {
		select {
		case s := <-f.Snapshots():
			if s.Done {
				return s, f
			}
		case <-ctx.Done():
			t.Fatal("the feed did not end")
		}
	}
}

// fakeControls records what the UI asked of the feed.
type fakeControls struct {
	zooms []int
	focus []feed.Focus
}

func (c *fakeControls) SetZoom(z int)         { c.zooms = append(c.zooms, z) }
func (c *fakeControls) SetFocus(f feed.Focus) { c.focus = append(c.focus, f) }

func testCommon() *Common {
	var out bytes.Buffer
	return &Common{Styles: NewStyles(&out, false), Keys: DefaultKeyMap(), Thresholds: DefaultThresholds(), Source: "access.log"}
}

// newTestModel returns a model of size w x h showing s.
func newTestModel(t testing.TB, s *feed.Snapshot, w, h int) (*Model, *fakeControls) {
	t.Helper()
	ctl := &fakeControls{}
	m := New(Options{Common: testCommon(), Controls: ctl, Snapshots: make(chan *feed.Snapshot), Now: func() time.Time { return wall }, ExportDir: t.TempDir()})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	if s != nil {
		m.Update(SnapshotMsg{Snapshot: s})
	}
	return m, ctl
}

// keyMsg is the message of a key: a name (enter, esc, tab, down, up, right, ctrl+c,
// backspace) or the runes typed.
func keyMsg(k string) tea.KeyMsg {
	types := map[string]tea.KeyType{"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "down": tea.KeyDown,
		"up": tea.KeyUp, "right": tea.KeyRight, "ctrl+c": tea.KeyCtrlC, "backspace": tea.KeyBackspace}
	if t, ok := types[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// press sends keys to the model, running the commands they return that make messages at once
// (not the ones that wait for a snapshot).
func press(m *Model, keys ...string) {
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		runCmd(m, cmd)
	}
}

// runCmd runs cmd and feeds its message back, when it is one of the dashboard's own.
func runCmd(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case DrillMsg, ShowMsg, ExportedMsg:
		_, next := m.Update(msg)
		runCmd(m, next)
	}
}

// screen is the model's view without ANSI sequences.
func screen(m *Model) string { return ansi.Strip(m.View()) }

// golden compares got with testdata/NAME.golden, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("screen %s differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// lines checks the screen is exactly h lines none wider than w.
func checkSize(t *testing.T, got string, w, h int) {
	t.Helper()
	lines := strings.Split(got, "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d wide, more than %d: %q", i+1, n, w, l)
		}
	}
}
