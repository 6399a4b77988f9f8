package tui

import (
	"fmt"
	"testing"

	"github.com/higress-ai/higress-ai/internal/tui/feed"
)

// TestGoldenScreens draws every view at 80x24 and 140x40, without colour, and compares the
// screens with testdata/*.golden (go test -update rewrites them).
func TestGoldenScreens(t *testing.T) {
	log := testLog(t)
	plain := snapshotOf(t, log, 2, feed.Focus{})
	drilled := snapshotOf(t, log, 2, feed.Focus{Dim: feed.Consumers, Name: "alice", On: true})
	empty := snapshotOf(t, nil, 0, feed.Focus{})
	noAILog := snapshotOf(t, []byte(`{"response_code":"200","route_name":"gpt-4o","start_time":"2026-11-20T05:00:00.000Z"}`+"\n"), 0, feed.Focus{})
	cases := []struct {
		name string
		s    *feed.Snapshot
		keys []string
	}{
		{"pulse", plain, nil},
		{"consumers", plain, []string{"2"}},
		{"models", plain, []string{"3"}},
		{"live", plain, []string{"4"}},
		{"denied", plain, []string{"5"}},
		{"drill", drilled, []string{"2", "/", "alice", "enter", "enter"}},
		{"help", plain, []string{"?"}},
		{"empty", empty, nil},
		{"no-ai-log", noAILog, []string{"2"}},
	}
	for _, size := range [][2]int{{80, 24}, {140, 40}} {
		for _, tc := range cases {
			name := fmt.Sprintf("%s-%dx%d", tc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m, _ := newTestModel(t, tc.s, size[0], size[1])
				press(m, tc.keys...)
				if tc.name == "drill" {
					// The feed answers the focus with a snapshot holding the detail.
					m.Update(SnapshotMsg{Snapshot: tc.s})
				}
				got := screen(m)
				checkSize(t, got, size[0], size[1])
				golden(t, name, got)
			})
		}
	}
}
