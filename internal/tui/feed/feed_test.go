package feed

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/higress-ai/higress-ai/internal/usage"
	"github.com/higress-ai/higress-ai/internal/usage/usagetest"
)

// wall is the fixed wall clock of the tests: days after the generated log.
var wall = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

// runToEnd feeds log through standard input and returns the snapshot made when it ended.
func runToEnd(t *testing.T, log []byte, prepare func(*Feed)) *Snapshot {
	t.Helper()
	f := New(Options{Sources: []usage.Source{usage.FileSource{Path: "-", Stdin: bytes.NewReader(log)}},
		Now: func() time.Time { return wall }, Every: time.Hour, StreamEvery: 10 * time.Millisecond})
	if prepare != nil {
		prepare(f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	for {
		select {
		case s := <-f.Snapshots():
			if s.Done {
				if err := <-done; err != nil {
					t.Fatalf("Run: %v", err)
				}
				return s
			}
		case <-ctx.Done():
			t.Fatal("the feed did not end")
		}
	}
}

func generated(t *testing.T, n int) ([]byte, usagetest.Truth) {
	t.Helper()
	var buf bytes.Buffer
	truth, err := usagetest.Write(&buf, n, 7)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), truth
}

func TestTotalsMatchWhatWasWritten(t *testing.T) {
	log, truth := generated(t, 3000)
	s := runToEnd(t, log, nil)
	want := map[string]*usagetest.Totals{}
	var requests int64
	for k, tot := range truth.ByConsumerModel {
		w, ok := want[k[0]]
		if !ok {
			w = &usagetest.Totals{}
			want[k[0]] = w
		}
		w.Requests += tot.Requests
		w.Errors += tot.Errors
		w.Input += tot.Input
		w.Output += tot.Output
		w.Cached += tot.Cached
		requests += tot.Requests
	}
	if s.Requests != requests || s.Skipped != int64(truth.Skipped) {
		t.Errorf("requests %d skipped %d, want %d and %d", s.Requests, s.Skipped, requests, truth.Skipped)
	}
	if len(s.Consumers) != len(want) {
		t.Errorf("%d consumers, want %d", len(s.Consumers), len(want))
	}
	for _, r := range s.Consumers {
		w := want[r.Name]
		if w == nil || r.Requests != w.Requests || r.Errors != w.Errors || r.Input != w.Input || r.Output != w.Output || r.Cached != w.Cached {
			t.Errorf("consumer %s: %+v, want %+v", r.Name, r, w)
		}
	}
	// The log is days old: the window ends at its last request, not at the wall clock.
	if !s.Replay || !s.End.Before(wall) || s.End.Before(usagetest.Start()) {
		t.Errorf("window ends %v (replay %v), want the last request's time", s.End, s.Replay)
	}
	if s.Pulse.Requests == 0 || s.Pulse.Requests >= requests {
		t.Errorf("the 5m window holds %d of %d requests", s.Pulse.Requests, requests)
	}
}

func TestDenialsCountedByReason(t *testing.T) {
	log, _ := generated(t, 3000)
	// Count refusals independently, with encoding/json.
	want := map[string]int64{}
	for _, line := range strings.Split(string(log), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		if code := m["response_code"]; code == "401" || code == "403" || code == "429" {
			want[code.(string)]++
		}
	}
	s := runToEnd(t, log, nil)
	got := map[string]int64{}
	for _, g := range s.Denials {
		if g.Reason != usage.ReasonUpstream {
			t.Errorf("%+v: the generator's refusals come via_upstream", g)
		}
		got[map[int]string{401: "401", 403: "403", 429: "429"}[g.Status]] += g.Count
	}
	if len(want) == 0 || got["401"] != want["401"] || got["429"] != want["429"] || got["403"] != want["403"] {
		t.Errorf("denials by status %v, want %v", got, want)
	}
	if s.DeniedAll != want["401"]+want["403"]+want["429"] {
		t.Errorf("DeniedAll = %d", s.DeniedAll)
	}
}

func TestZoomAndFocus(t *testing.T) {
	log, truth := generated(t, 2000)
	s := runToEnd(t, log, func(f *Feed) {
		f.SetZoom(4)
		f.SetFocus(Focus{Dim: Consumers, Name: "alice", On: true})
	})
	if s.Window != 24*time.Hour {
		t.Errorf("window %v, want 24h", s.Window)
	}
	// The whole log spans a few hours: the 24h window holds every request.
	if s.Pulse.Requests != s.Requests {
		t.Errorf("24h window holds %d of %d requests", s.Pulse.Requests, s.Requests)
	}
	d := s.Detail
	if d == nil || d.Name != "alice" || d.Row == nil {
		t.Fatalf("detail = %+v", d)
	}
	for _, r := range d.Rows {
		w := truth.ByConsumerModel[[2]string{"alice", r.Name}]
		if w == nil || w.Requests != r.Requests || w.Output != r.Output {
			t.Errorf("alice × %s: %+v, want %+v", r.Name, r, w)
		}
	}
	for _, r := range d.Recent {
		if r.Consumer != "alice" {
			t.Errorf("recent request of %s in alice's detail", r.Consumer)
		}
	}
	if len(d.Recent) == 0 {
		t.Error("no recent requests in the detail")
	}
}

func TestUnpricedIsNotZero(t *testing.T) {
	log := []byte(`{"ai_log":"{\"consumer\":\"bob\",\"model\":\"llama-local\",\"input_token\":50,\"output_token\":5}","response_code":"200","start_time":"2026-11-25T09:00:00.000Z"}
{"ai_log":"{\"consumer\":\"amy\",\"model\":\"gpt-4o\",\"input_token\":1000000,\"output_token\":0}","response_code":"200","start_time":"2026-11-25T09:00:01.000Z"}
`)
	s := runToEnd(t, log, nil)
	for _, r := range s.Models {
		switch r.Name {
		case "llama-local":
			if r.Priced || r.CostPico != 0 {
				t.Errorf("llama-local: %+v, want unpriced", r)
			}
		case "gpt-4o":
			if !r.Priced || r.CostUSD() != 2.5 {
				t.Errorf("gpt-4o: cost %v priced %v, want $2.50", r.CostUSD(), r.Priced)
			}
		}
	}
	c := s.Confidence
	if c.PricedTokens != 1_000_000 || c.UnpricedTokens != 55 || len(c.UnpricedModels) != 1 || c.UnpricedModels[0] != "llama-local" {
		t.Errorf("confidence = %+v", c)
	}
	if !s.Pulse.CostPartial || !s.Pulse.CostKnown {
		t.Errorf("pulse cost partial %v known %v, want both", s.Pulse.CostPartial, s.Pulse.CostKnown)
	}
}

// TestNeverWaitsForTheUI: a UI that takes no snapshot (paused, or busy) does not hold the feed
// up: it reads every line, and the one snapshot waiting is the latest.
func TestNeverWaitsForTheUI(t *testing.T) {
	log, truth := generated(t, 5000)
	f := New(Options{Sources: []usage.Source{usage.FileSource{Path: "-", Stdin: bytes.NewReader(log)}},
		Now: func() time.Time { return wall }, Every: time.Millisecond, StreamEvery: time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := f.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run waited for a receiver")
	}
	s := <-f.Snapshots()
	var requests int64
	for _, tot := range truth.ByConsumerModel {
		requests += tot.Requests
	}
	if !s.Done || s.Requests != requests {
		t.Errorf("waiting snapshot: done %v, %d requests; want the last, with %d", s.Done, s.Requests, requests)
	}
	select {
	case s := <-f.Snapshots():
		t.Errorf("a second snapshot waited: %+v", s.Requests)
	default:
	}
}
