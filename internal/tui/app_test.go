package tui

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/higress-ai/higress-ai/internal/tui/feed"
)

func TestViewKeys(t *testing.T) {
	s := snapshotOf(t, testLog(t), 2, feed.Focus{})
	all := fmt.Sprintf("latest %d of %d requests", s.Requests, s.Requests)
	consumers, models := fmt.Sprintf("%d consumers", len(s.Consumers)), fmt.Sprintf("%d models", len(s.Models))
	cases := []struct {
		name string
		keys []string
		want []string // on screen
		not  []string // not on screen
	}{
		{"starts on pulse", nil, []string{"REQUESTS/S", "cost is an estimate"}, []string{"CONSUMER"}},
		{"number keys", []string{"3"}, []string{"MODEL", "gpt-4o-mini", "UNPRICED"}, []string{"REQUESTS/S"}},
		{"tab cycles", []string{"tab", "tab", "tab"}, []string{all}, nil},
		{"command mode", []string{":", "denied", "enter"}, []string{"REFUSED BY", "model not allowed", "request-block", "token rate limit"}, nil},
		{"command singular", []string{":", "consumer", "enter"}, []string{consumers}, nil},
		{"unknown command", []string{":", "pods", "enter"}, []string{`unknown command "pods"`}, nil},
		{"filter consumers", []string{"2", "/", "dat"}, []string{"data-team", `filter "dat"`, "1 consumers"}, []string{"alice"}},
		{"filter kept after enter", []string{"2", "/", "dat", "enter"}, []string{"data-team"}, []string{"alice"}},
		{"esc cancels filter", []string{"2", "/", "dat", "esc"}, []string{"alice", "data-team"}, nil},
		{"esc clears filter", []string{"2", "/", "bob", "enter", "esc"}, []string{"alice", "bob"}, nil},
		{"filter live by status", []string{"4", "/", "429"}, []string{"429"}, []string{" 200 "}},
		{"sort cycles", []string{"2", "s"}, []string{"sorted by $/h", "$/H▼"}, nil},
		{"sort denied by last", []string{"5", "s"}, []string{"LAST▼"}, nil},
		{"drill down", []string{"3", "enter"}, []string{"model gpt-4o-2024-08-06", "› gpt-4o-2024-08-06"}, nil},
		{"esc back from drill", []string{"3", "enter", "esc"}, []string{models}, []string{"recent requests"}},
		{"pulse tile enter", []string{"right", "right", "enter"}, []string{"sorted by cost"}, nil},
		{"pulse error tile", []string{"down", "enter"}, []string{"REFUSED BY"}, nil},
		{"help", []string{"?"}, []string{"previous view", "export json"}, []string{"REQUESTS/S"}},
		{"any key closes help", []string{"?", "x"}, []string{"REQUESTS/S"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newTestModel(t, s, 120, 30)
			press(m, tc.keys...)
			got := screen(m)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q not on screen:\n%s", w, got)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("%q on screen:\n%s", w, got)
				}
			}
		})
	}
}

func TestDrillAsksTheFeed(t *testing.T) {
	s := snapshotOf(t, testLog(t), 0, feed.Focus{})
	m, ctl := newTestModel(t, s, 100, 30)
	press(m, "2", "/", "bob", "enter", "enter")
	if len(ctl.focus) != 1 || ctl.focus[0] != (feed.Focus{Dim: feed.Consumers, Name: "bob", On: true}) {
		t.Fatalf("focus asked = %+v", ctl.focus)
	}
	press(m, "esc")
	if len(ctl.focus) != 2 || ctl.focus[1].On {
		t.Errorf("focus after esc = %+v, want off", ctl.focus)
	}
}

func TestZoom(t *testing.T) {
	m, ctl := newTestModel(t, nil, 100, 30)
	press(m, "-", "-", "+", "-", "-", "-", "-")
	// 5m → 15m → 1h → 15m → 1h → 6h → 24h, then no longer window.
	want := []int{1, 2, 1, 2, 3, 4}
	if len(ctl.zooms) != len(want) {
		t.Fatalf("zooms = %v, want %v", ctl.zooms, want)
	}
	for i := range want {
		if ctl.zooms[i] != want[i] {
			t.Fatalf("zooms = %v, want %v", ctl.zooms, want)
		}
	}
	press(m, "+", "+", "+", "+", "+")
	if got := ctl.zooms[len(ctl.zooms)-1]; got != 0 {
		t.Errorf("zoom = %d after zooming in past 5m", got)
	}
}

func TestPauseFreezesTheScreen(t *testing.T) {
	log := testLog(t)
	first := snapshotOf(t, log[:len(log)/2], 0, feed.Focus{})
	second := snapshotOf(t, log, 0, feed.Focus{})
	m, _ := newTestModel(t, first, 100, 30)
	press(m, "4", "p")
	frozen := screen(m)
	if !strings.Contains(frozen, "PAUSED") {
		t.Fatalf("no PAUSED on screen:\n%s", frozen)
	}
	m.Update(SnapshotMsg{Snapshot: second})
	if got := screen(m); got != frozen {
		t.Errorf("the screen changed while paused:\n%s", got)
	}
	press(m, "p")
	if got := screen(m); !strings.Contains(got, fmt.Sprintf("of %d requests", second.Requests)) || strings.Contains(got, "PAUSED") {
		t.Errorf("unpaused screen does not show the snapshot that came while paused:\n%s", got)
	}
}

func TestQuit(t *testing.T) {
	cases := []struct {
		name string
		keys []string
		last tea.KeyMsg
		quit bool
	}{
		{"q", nil, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")}, true},
		{"ctrl+c", nil, tea.KeyMsg{Type: tea.KeyCtrlC}, true},
		{"ctrl+c while filtering", []string{"2", "/"}, tea.KeyMsg{Type: tea.KeyCtrlC}, true},
		{"q while filtering is typed", []string{"2", "/"}, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")}, false},
		{":q", []string{":", "q"}, tea.KeyMsg{Type: tea.KeyEnter}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newTestModel(t, nil, 100, 30)
			press(m, tc.keys...)
			_, cmd := m.Update(tc.last)
			quit := false
			if cmd != nil {
				_, quit = cmd().(tea.QuitMsg)
			}
			if quit != tc.quit {
				t.Errorf("quit = %v, want %v", quit, tc.quit)
			}
		})
	}
}

func TestExportWhatIsOnScreen(t *testing.T) {
	s := snapshotOf(t, testLog(t), 2, feed.Focus{})
	for _, format := range []string{"csv", "json"} {
		t.Run(format, func(t *testing.T) {
			m, _ := newTestModel(t, s, 100, 14)
			press(m, "2", "/", "a", "enter")
			k := "e"
			if format == "json" {
				k = "E"
			}
			press(m, k)
			got := screen(m)
			name := "higress-ai-consumers-20261202-120000." + format
			files, _ := filepath.Glob(filepath.Join(m.o.ExportDir, name))
			if len(files) != 1 || !strings.Contains(got, "rows to ") || !strings.Contains(got, "/"+name) {
				t.Fatalf("files %v, screen:\n%s", files, got)
			}
			b, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			// The body shows 14-4 lines: the summary, the header, 7 rows and the total.
			var names []string
			if format == "csv" {
				recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				if recs[0][0] != "consumer" || recs[0][1] != "requests" {
					t.Errorf("header %v", recs[0])
				}
				for _, r := range recs[1:] {
					names = append(names, r[0])
				}
			} else {
				var rows []map[string]string
				if err := json.Unmarshal(b, &rows); err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					names = append(names, r["consumer"])
				}
			}
			// Filtered by "a": alice, data-team, research (rows on screen, in screen order).
			onScreen := []string{}
			for _, r := range s.Consumers {
				if strings.Contains(r.Name, "a") {
					onScreen = append(onScreen, r.Name)
				}
			}
			if len(names) != len(onScreen) {
				t.Fatalf("exported %v, want the %d rows on screen %v", names, len(onScreen), onScreen)
			}
			for _, n := range names {
				if !strings.Contains(n, "a") {
					t.Errorf("exported %q, which the filter hides", n)
				}
			}
		})
	}
}

func TestNoColorHasNoColourCodes(t *testing.T) {
	s := snapshotOf(t, testLog(t), 0, feed.Focus{})
	m, _ := newTestModel(t, s, 100, 30)
	got := m.View()
	// Bold and reverse are allowed (the selection needs no colour); no foreground colour.
	if strings.Contains(got, "\x1b[3") || strings.Contains(got, "\x1b[9") || strings.Contains(got, "38;5;") {
		t.Errorf("colour codes without colour: %q", got[:200])
	}
}

func TestThresholdLevel(t *testing.T) {
	cases := []struct {
		th   Threshold
		v    float64
		want Level
	}{
		{Threshold{Warn: 5, Crit: 10}, 4.9, LevelOK},
		{Threshold{Warn: 5, Crit: 10}, 5, LevelWarn},
		{Threshold{Warn: 5, Crit: 10}, 12, LevelCrit},
		{Threshold{Warn: 5, Crit: 10}, -1, LevelOK},
		{Threshold{}, 1e9, LevelOK},
		{Threshold{Warn: 50, Crit: 20, Below: true}, 30, LevelWarn},
		{Threshold{Warn: 50, Crit: 20, Below: true}, 10, LevelCrit},
	}
	for _, tc := range cases {
		if got := tc.th.Level(tc.v); got != tc.want {
			t.Errorf("%+v.Level(%v) = %v, want %v", tc.th, tc.v, got, tc.want)
		}
	}
}

func TestLoadThresholds(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.yaml")
	os.WriteFile(p, []byte("error_pct: {warn: 1, crit: 2}\ncost_per_hour: {warn: 10, crit: 50}\n"), 0o644)
	th, err := LoadThresholds(p)
	if err != nil {
		t.Fatal(err)
	}
	if th.ErrorPct.Warn != 1 || th.CostPerHour.Crit != 50 || th.P95Ms != DefaultThresholds().P95Ms {
		t.Errorf("thresholds = %+v", th)
	}
	os.WriteFile(p, []byte("error_rate: {warn: 1}\n"), 0o644)
	if _, err := LoadThresholds(p); err == nil || !strings.Contains(err.Error(), "error_rate") {
		t.Errorf("unknown key: err = %v", err)
	}
}

func TestCells(t *testing.T) {
	cases := []struct{ got, want string }{
		{costCell(&feed.Row{Priced: false, Requests: 3}), "UNPRICED"},
		{costCell(&feed.Row{Priced: true, CostPico: 2_500_000_000_000}), "$2.50"},
		{costCell(&feed.Row{Priced: true, CostPico: 1_000_000_000, Unpriced: 2}), "$0.0010+"},
		{sparkline([]float64{0, 1, 2, 4, 8}, 5), " ▁▂▄█"},
		{sparkline([]float64{1, 1}, 4), "  ██"},
		{changeCell(2), "x3.0"},
		{changeCell(-0.25), "-25%"},
		{ms(1500), "1.5s"},
		{ms(-1), "-"},
		{count(1234567), "1,234,567"},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestMetricsSayWhatTheyCannotShow(t *testing.T) {
	s := &feed.Snapshot{Metrics: true, Window: 5 * time.Minute, Requests: 3, WithAILog: 3, WithConsumer: 3,
		Consumers: []feed.Row{{Name: "alice", Requests: 3, Priced: true, P95: -1}}, Pulse: feed.Pulse{P95: -1, ErrorPct: -1, FirstToken: -1, CacheHitPct: -1}}
	cases := []struct{ key, want string }{
		{"1", "from Prometheus: totals over the window"},
		{"2", "every figure over 5m, from Prometheus"},
		{"4", "Prometheus metrics carry no single requests"},
		{"5", "Prometheus metrics carry no refused requests"},
	}
	for _, tc := range cases {
		m, _ := newTestModel(t, s, 100, 30)
		press(m, tc.key)
		if got := screen(m); !strings.Contains(strings.Join(strings.Fields(got), " "), tc.want) {
			t.Errorf("view %s: %q not on screen:\n%s", tc.key, tc.want, got)
		}
	}
}
