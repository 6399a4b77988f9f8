package tui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/higress-ai/higress-ai/internal/tui/feed"
	"github.com/higress-ai/higress-ai/internal/usage"
)

// TestFlow runs the whole dashboard on a followed log in teatest's terminal: start, switch
// views, lines appended, zoom, filter, drill down, export, quit.
func TestFlow(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "access.log")
	if err := os.WriteFile(logPath, testLog(t), 0o644); err != nil {
		t.Fatal(err)
	}
	fd := feed.New(feed.Options{Sources: []usage.Source{usage.FileSource{Path: logPath, Poll: 20 * time.Millisecond}},
		Now: func() time.Time { return wall }, Every: 50 * time.Millisecond, StreamEvery: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go fd.Run(ctx)
	exportDir := t.TempDir()
	m := New(Options{Common: testCommon(), Controls: fd, Snapshots: fd.Snapshots(), Now: func() time.Time { return wall }, ExportDir: exportDir})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 30))

	waitFor := func(what ...string) {
		t.Helper()
		var seen []byte
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			seen = append(seen, b...)
			plain := ansi.Strip(string(seen))
			for _, w := range what {
				if !strings.Contains(plain, w) {
					return false
				}
			}
			return true
		}, teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	keys := func(k ...string) {
		for _, s := range k {
			tm.Send(keyMsg(s))
		}
	}

	// What the log holds, as the feed reads it to the end.
	want := snapshotOf(t, testLog(t), 0, feed.Focus{})
	waitFor("REQUESTS/S", fmt.Sprintf("%d requests", want.Requests))
	keys("2")
	waitFor(fmt.Sprintf("%d consumers", len(want.Consumers)), "CONSUMER")

	// Lines appended to the log appear: a new consumer.
	f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		fmt.Fprintf(f, `{"ai_log":"{\"consumer\":\"zed\",\"model\":\"gpt-4o\",\"input_token\":1000,\"output_token\":100}","response_code":"200","route_name":"gpt-4o","duration":"900","start_time":"2026-11-20T00:14:0%d.000Z"}`+"\n", i)
	}
	f.Close()
	waitFor("zed", fmt.Sprintf("%d consumers", len(want.Consumers)+1), fmt.Sprintf("%d requests", want.Requests+3))

	keys("-")
	waitFor("window 15m")

	keys("/", "z", "e", "d")
	waitFor(`filter "zed"`, "1 consumers")
	keys("enter", "enter")
	waitFor("consumer zed · 3 requests", "recent requests of consumer zed")

	keys("e")
	waitFor("exported 1 rows to")
	files, _ := filepath.Glob(filepath.Join(exportDir, "higress-ai-zed-*.csv"))
	if len(files) != 1 {
		t.Fatalf("exported files %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if want := "model,requests,errors,input,output,cached,cost,p95\ngpt-4o,3,0,3000,300,0,$0.01,"; !bytes.HasPrefix(b, []byte(want)) {
		t.Errorf("export:\n%s\nwant it to start with\n%s", b, want)
	}

	keys("esc", "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}
