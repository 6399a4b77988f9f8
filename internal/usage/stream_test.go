package usage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/higress-ai/higress-ai/internal/usage/usagetest"
)

// numbered returns n lines whose input_token is the line's number, from 1, with a line that is
// not JSON and a blank line after every 100th.
func numbered(n int) (text string, skipped int) {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(line("alice", "gpt-4o", i, 1, "2026-11-20T10:00:00Z") + "\n")
		if i%100 == 0 {
			b.WriteString("not json\n\n")
			skipped++
		}
	}
	return b.String(), skipped
}

// receive collects what Stream sends until it closes out, and its error.
func receive(out <-chan Batch, done <-chan error) ([]Batch, error) {
	var got []Batch
	for b := range out {
		got = append(got, b)
	}
	return got, <-done
}

func TestStreamDeliversEveryRequestOnceInOrder(t *testing.T) {
	const n, maxBatch = 2000, 64
	text, skipped := numbered(n)
	out := make(chan Batch)
	done := make(chan error, 1)
	go func() {
		// The ticker never fires: batches are sent because they are full, and the last because
		// standard input ended.
		done <- Stream(context.Background(), []Source{FileSource{Path: "-", Stdin: strings.NewReader(text)}},
			StreamOptions{Every: time.Hour, MaxBatch: maxBatch}, out)
	}()
	batches, err := receive(out, done)
	if err != nil {
		t.Fatal(err)
	}
	next, gotSkipped := 1, int64(0)
	for i, b := range batches {
		if len(b.Records) > maxBatch {
			t.Fatalf("batch %d holds %d records, more than %d", i, len(b.Records), maxBatch)
		}
		gotSkipped += b.Skipped
		for _, r := range b.Records {
			if r.InputTokens != int64(next) {
				t.Fatalf("batch %d: request %d where %d was next", i, r.InputTokens, next)
			}
			next++
		}
	}
	if next-1 != n || gotSkipped != int64(skipped) {
		t.Fatalf("%d requests and %d skipped, want %d and %d", next-1, gotSkipped, n, skipped)
	}
	if want := (n + maxBatch - 1) / maxBatch; len(batches) < want {
		t.Fatalf("%d batches, want at least %d", len(batches), want)
	}
}

// gather receives batches until cond holds of what came, failing after 30 s.
func gather(t *testing.T, out <-chan Batch, cond func(records []Record, skipped int64) bool) ([]Record, int64) {
	t.Helper()
	var records []Record
	var skipped int64
	timeout := time.After(30 * time.Second)
	for !cond(records, skipped) {
		select {
		case b, ok := <-out:
			if !ok {
				t.Fatalf("out closed after %d records", len(records))
			}
			records = append(records, b.Records...)
			skipped += b.Skipped
		case <-timeout:
			t.Fatalf("after 30 s: %d records, %d skipped", len(records), skipped)
		}
	}
	return records, skipped
}

func TestStreamFollowsAFileUntilCancelled(t *testing.T) {
	p := filepath.Join(t.TempDir(), "live.log")
	write(t, p, line("alice", "m", 1, 0, "2026-11-20T10:00:00Z")+"\nnot json\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan Batch)
	done := make(chan error, 1)
	since := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	go func() {
		done <- Stream(ctx, []Source{FileSource{Path: p, Poll: 5 * time.Millisecond}}, StreamOptions{Filter: Filter{Since: since}, Every: 5 * time.Millisecond}, out)
	}()
	// Batches may split what was written anywhere: gather until it all came.
	records, skipped := gather(t, out, func(r []Record, skipped int64) bool { return len(r) == 1 && skipped == 1 })
	if records[0].Consumer != "alice" {
		t.Fatalf("first lines: %+v", records)
	}
	// One request before --since (filtered out), one after.
	appendTo(t, p, line("old", "m", 1, 0, "2026-11-19T10:00:00Z")+"\n"+line("bob", "m", 2, 0, "2026-11-20T11:00:00Z")+"\n")
	records, skipped = gather(t, out, func(r []Record, _ int64) bool { return len(r) == 1 })
	if records[0].Consumer != "bob" || skipped != 0 {
		t.Fatalf("appended lines: %+v, %d skipped", records, skipped)
	}
	cancel()
	rest, err := receive(out, done)
	if err != nil || len(rest) != 0 {
		t.Fatalf("after cancel: %v, %+v", err, rest)
	}
}

// scripted passes its lines on, then returns err, or waits for ctx when err is nil.
type scripted struct {
	lines []string
	read  chan struct{} // closed once every line was passed on
	err   error
}

func (s scripted) Name() string { return "scripted" }

func (s scripted) Read(ctx context.Context, _ bool, newLine func() func([]byte)) error {
	fn := newLine()
	for _, l := range s.lines {
		fn([]byte(l))
	}
	close(s.read)
	if s.err != nil {
		return s.err
	}
	<-ctx.Done()
	return nil
}

func TestStreamSendsWhatCameWhenCancelled(t *testing.T) {
	src := scripted{lines: []string{line("alice", "m", 1, 0, ""), "not json", line("bob", "m", 2, 0, "")}, read: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Batch)
	done := make(chan error, 1)
	go func() { done <- Stream(ctx, []Source{src}, StreamOptions{Every: time.Hour}, out) }()
	<-src.read
	cancel()
	batches, err := receive(out, done)
	if err != nil || len(batches) != 1 || len(batches[0].Records) != 2 || batches[0].Skipped != 1 || batches[0].Records[1].Consumer != "bob" {
		t.Fatalf("%v, %+v", err, batches)
	}

	// A receiver that stopped receiving does not hold Stream up.
	src.read = make(chan struct{})
	ctx, cancel = context.WithCancel(context.Background())
	go func() { done <- Stream(ctx, []Source{src}, StreamOptions{Every: time.Hour}, make(chan Batch)) }()
	<-src.read
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Stream still sending 30 s after it was cancelled")
	}
}

func TestStreamEndsAtTheFirstErrorOfASource(t *testing.T) {
	broken := errors.New("the log went away")
	failing := scripted{lines: []string{line("alice", "m", 1, 0, "")}, read: make(chan struct{}), err: broken}
	following := scripted{lines: []string{line("bob", "m", 2, 0, "")}, read: make(chan struct{})}
	out := make(chan Batch)
	done := make(chan error, 1)
	go func() {
		done <- Stream(context.Background(), []Source{failing, following}, StreamOptions{Every: time.Hour}, out)
	}()
	batches, err := receive(out, done)
	if !errors.Is(err, broken) {
		t.Fatalf("err = %v", err)
	}
	consumers := map[string]bool{}
	for _, b := range batches {
		for _, r := range b.Records {
			consumers[r.Consumer] = true
		}
	}
	if len(consumers) != 2 || !consumers["alice"] || !consumers["bob"] {
		t.Fatalf("sent %v", consumers)
	}
}

func TestStreamStopsReadingStandardInputWhenCancelled(t *testing.T) {
	// A pipe nobody writes to or closes: kubectl logs -f on a quiet gateway.
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Batch)
	done := make(chan error, 1)
	go func() { done <- Stream(ctx, []Source{FileSource{Path: "-", Stdin: pr}}, StreamOptions{}, out) }()
	if _, err := io.WriteString(pw, line("alice", "m", 1, 0, "")+"\n"); err != nil {
		t.Fatal(err)
	}
	gather(t, out, func(r []Record, _ int64) bool { return len(r) == 1 })
	cancel()
	go func() {
		for range out {
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Stream still reading standard input 30 s after it was cancelled")
	}
}

// Two pods log at once: PodSource reads them on two goroutines, and every request keeps the
// fields of its own line (a parser shared by the two mixed them up).
func TestStreamOfTwoPodsKeepsEachLinesFields(t *testing.T) {
	const n = 3000
	api := usagetest.NewKubeAPI()
	pods := []string{"higress-gateway-a", "higress-gateway-bb"}
	for _, pod := range pods {
		api.AddPod("higress-system", pod, gatewayLabels, "higress-gateway")
	}
	src := PodSource{Client: podClient(t, api), Namespace: "higress-system", Selector: GatewaySelector, Resync: time.Hour, Retry: 5 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan Batch)
	done := make(chan error, 1)
	go func() {
		done <- Stream(ctx, []Source{src}, StreamOptions{Every: 5 * time.Millisecond, MaxBatch: 256}, out)
	}()

	// Each pod's consumer, model and route name the pod; names of different lengths, so that a
	// line read with another's buffer shows.
	at := &stamps{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	var wg sync.WaitGroup
	for _, pod := range pods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= n; i += 100 {
				var texts []string
				for j := i; j < i+100; j++ {
					texts = append(texts, fmt.Sprintf(`{"ai_log":"{\"consumer\":\"consumer-of-%s\",\"model\":\"model-of-%s\",\"input_token\":%d,\"output_token\":1}","response_code":"200","route_name":"route-of-%s"}`, pod, pod, j, pod))
				}
				api.Log(pod, at.lines(texts...)...)
			}
		}()
	}
	wg.Wait()
	records, _ := gather(t, out, func(r []Record, _ int64) bool { return len(r) >= 2*n })
	cancel()
	if rest, err := receive(out, done); err != nil || len(rest) != 0 {
		t.Fatalf("after cancel: %v, %d more batches", err, len(rest))
	}
	next := map[string]int64{}
	for _, r := range records {
		pod := strings.TrimPrefix(r.Route, "route-of-")
		if r.Consumer != "consumer-of-"+pod || r.Model != "model-of-"+pod || next[pod]+1 != r.InputTokens {
			t.Fatalf("consumer %q model %q route %q input %d (after %d of that pod)", r.Consumer, r.Model, r.Route, r.InputTokens, next[pod])
		}
		next[pod] = r.InputTokens
	}
	if len(records) != 2*n || next[pods[0]] != n || next[pods[1]] != n {
		t.Fatalf("%d records, last of each pod %v", len(records), next)
	}
}
