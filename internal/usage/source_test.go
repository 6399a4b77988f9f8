package usage

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/higress-ai/higress-ai/internal/usage/usagetest"
)

func line(consumer, model string, in, out int, start string) string {
	ai, _ := json.Marshal(map[string]any{"consumer": consumer, "model": model, "input_token": in, "output_token": out})
	b, _ := json.Marshal(map[string]string{"ai_log": string(ai), "response_code": "200", "start_time": start})
	return string(b)
}

// each makes a Read's newLine argument that hands every goroutine fn.
func each(fn func([]byte)) func() func([]byte) { return func() func([]byte) { return fn } }

// write writes a file, failing the test on an error.
func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// appendTo appends to a file, failing the test on an error.
func appendTo(t *testing.T, path, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func collect(t *testing.T, follow bool, filter Filter, sources ...Source) *Aggregator {
	t.Helper()
	agg := NewAggregator([]Dim{ByConsumer}, nil)
	if err := Collect(context.Background(), sources, follow, filter, agg); err != nil {
		t.Fatal(err)
	}
	return agg
}

func totals(agg *Aggregator) map[string]int64 {
	out := map[string]int64{}
	for _, g := range agg.Groups() {
		out[g.Keys[0]] = g.InputTokens
	}
	return out
}

func TestFileSourcesPlainGzipStdinAndSince(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "a.log")
	write(t, plain, line("alice", "gpt-4o", 10, 1, "2026-11-20T10:00:00Z")+"\n"+line("bob", "gpt-4o", 20, 1, "2026-11-21T10:00:00Z"))
	zipped := filepath.Join(dir, "b.log.gz")
	write(t, zipped, gzipped(t, line("alice", "gpt-4o", 100, 1, "2026-11-22T10:00:00Z")+"\n\nnot json\n"))
	stdin := strings.NewReader(line("carol", "gpt-4o", 1000, 1, "2026-11-23T10:00:00Z") + "\r\n")

	agg := collect(t, false, Filter{}, FileSource{Path: plain}, FileSource{Path: zipped}, FileSource{Path: "-", Stdin: stdin})
	if got := totals(agg); got["alice"] != 110 || got["bob"] != 20 || got["carol"] != 1000 || agg.Skipped != 1 {
		t.Fatalf("totals %v skipped %d", got, agg.Skipped)
	}
	since, _ := time.Parse(time.RFC3339, "2026-11-21T00:00:00Z")
	until, _ := time.Parse(time.RFC3339, "2026-11-22T10:00:00Z")
	agg = collect(t, false, Filter{Since: since, Until: until}, FileSource{Path: plain}, FileSource{Path: zipped})
	if got := totals(agg); len(got) != 1 || got["bob"] != 20 {
		t.Fatalf("filtered totals %v", got)
	}
	err := Collect(context.Background(), []Source{FileSource{Path: filepath.Join(dir, "missing.log")}}, false, Filter{}, NewAggregator([]Dim{ByModel}, nil))
	if err == nil || err.Error() != "cannot read log file "+filepath.Join(dir, "missing.log")+": no such file or directory" {
		t.Fatalf("err = %v", err)
	}
}

func TestFileSourceFollowsAppendedLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "live.log")
	write(t, p, line("alice", "m", 1, 0, "")+"\n")
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var seen []string
	done := make(chan error)
	go func() {
		done <- FileSource{Path: p, Poll: 10 * time.Millisecond}.Read(ctx, true, each(func(l []byte) {
			mu.Lock()
			seen = append(seen, string(l))
			mu.Unlock()
		}))
	}()
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }
	waitFor(t, func() bool { return count() == 1 })
	appendTo(t, p, line("bob", "m", 2, 0, "")+"\n"+`{"half":`)
	waitFor(t, func() bool { return count() == 2 })
	appendTo(t, p, `"line"}`+"\n")
	waitFor(t, func() bool { return count() == 3 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if seen[2] != `{"half":"line"}` {
		t.Fatalf("a line written in two parts was read as %q", seen[2])
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 30 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var gatewayLabels = map[string]string{"app": "higress-gateway", "higress": "higress-system-higress-gateway"}

func podClient(t *testing.T, h http.Handler) kubernetes.Interface {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// stamps hands out the kubelet's line times: a millisecond apart, so many lines share a second
// (sinceTime's precision) and a resumed stream repeats some.
type stamps struct {
	mu sync.Mutex
	t  time.Time
}

func (s *stamps) lines(texts ...string) []usagetest.LogLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]usagetest.LogLine, len(texts))
	for i, text := range texts {
		s.t = s.t.Add(time.Millisecond)
		out[i] = usagetest.LogLine{Time: s.t, Text: text}
	}
	return out
}

func TestPodSourceReadsEveryPodAndTheRestartedOnesPreviousLog(t *testing.T) {
	api := usagetest.NewKubeAPI()
	at := &stamps{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	api.AddPod("higress-system", "higress-gateway-a", gatewayLabels, "higress-gateway")
	api.AddPod("higress-system", "higress-gateway-b", gatewayLabels, "istio-proxy", "higress-gateway")
	api.AddPod("higress-system", "higress-gateway-other", map[string]string{"app": "other"}, "higress-gateway")
	api.AddPod("default", "higress-gateway-elsewhere", gatewayLabels, "higress-gateway")
	api.Log("higress-gateway-b", at.lines(line("alice", "m", 100, 0, ""), "not json")...)
	api.Restart("higress-gateway-b")
	api.Log("higress-gateway-a", at.lines(line("alice", "m", 1, 0, ""), line("bob", "m", 2, 0, ""))...)
	at.t = at.t.Add(2 * time.Second)
	api.Log("higress-gateway-b", at.lines(line("alice", "m", 10, 0, ""))...)
	api.Log("higress-gateway-other", at.lines(line("mallory", "m", 1000, 0, ""))...)
	api.Log("higress-gateway-elsewhere", at.lines(line("mallory", "m", 1000, 0, ""))...)

	var mu sync.Mutex
	var warnings []string
	src := PodSource{Client: podClient(t, api), Namespace: "higress-system", Selector: GatewaySelector,
		Warn: func(s string) { mu.Lock(); warnings = append(warnings, s); mu.Unlock() }}
	agg := collect(t, false, Filter{}, src)
	if got := totals(agg); len(got) != 2 || got["alice"] != 111 || got["bob"] != 2 || agg.Skipped != 1 {
		t.Fatalf("totals %v skipped %d", got, agg.Skipped)
	}
	if len(warnings) != 0 {
		t.Fatalf("warnings %v", warnings)
	}
	var previous []string
	for _, r := range api.Requests() {
		if strings.Contains(r, "/log?") && !strings.Contains(r, "container=higress-gateway") {
			t.Fatalf("log read without the gateway container: %s", r)
		}
		if strings.Contains(r, "previous=true") {
			previous = append(previous, r)
		}
	}
	if len(previous) != 1 || !strings.HasPrefix(previous[0], "/api/v1/namespaces/higress-system/pods/higress-gateway-b/log?") {
		t.Fatalf("previous logs read: %v", previous)
	}

	// The kubelet no longer has the previous log, and a new pod has not started: warnings, the
	// rest is read.
	api.ForgetPrevious("higress-gateway-b")
	api.AddWaitingPod("higress-system", "higress-gateway-c", gatewayLabels, "higress-gateway")
	agg = collect(t, false, Filter{}, src)
	if got := totals(agg); got["alice"] != 11 || len(warnings) != 2 {
		t.Fatalf("totals %v warnings %v", got, warnings)
	}
	slices.Sort(warnings)
	if !strings.HasPrefix(warnings[0], "pod higress-gateway-b restarted; its previous log could not be read: previous terminated container") ||
		!strings.HasPrefix(warnings[1], `pod higress-gateway-c left out: container "higress-gateway" in pod "higress-gateway-c" is waiting to start`) {
		t.Fatalf("warnings %q", warnings)
	}

	// --since becomes the log requests' sinceTime (whole seconds), which the API applies.
	src.Since = time.Date(2026, 11, 20, 9, 0, 1, 5e8, time.UTC)
	agg = collect(t, false, Filter{}, src)
	if got := totals(agg); got["alice"] != 10 || got["bob"] != 0 {
		t.Fatalf("since: totals %v", got)
	}
	reqs := api.Requests()
	for _, r := range reqs[len(reqs)-3:] {
		if strings.Contains(r, "/log?") && !strings.Contains(r, "sinceTime=2026-11-20T09%3A00%3A01Z") {
			t.Fatalf("log request %s", r)
		}
	}

	// No pods: one clear line.
	src.Selector = "app=nothing"
	err := Collect(context.Background(), []Source{src}, false, Filter{}, NewAggregator([]Dim{ByModel}, nil))
	if err == nil || err.Error() != `no gateway pods match "app=nothing" in namespace higress-system: set --selector or -n` {
		t.Fatalf("err = %v", err)
	}
}

func TestPodSourceWithoutTheRightToReadLogs(t *testing.T) {
	api := usagetest.NewKubeAPI()
	api.AddPod("higress-system", "higress-gateway-a", gatewayLabels, "higress-gateway")
	forbidLogs := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/log") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"higress-gateway-a\" is forbidden: User \"dev\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"higress-system\"","reason":"Forbidden","details":{"name":"higress-gateway-a","kind":"pods"},"code":403}`)
			return
		}
		api.ServeHTTP(w, r)
	})
	src := PodSource{Client: podClient(t, forbidLogs), Namespace: "higress-system", Selector: GatewaySelector}
	for _, follow := range []bool{false, true} {
		err := Collect(context.Background(), []Source{src}, follow, Filter{}, NewAggregator([]Dim{ByModel}, nil))
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), `cannot get the log of pod "higress-system/higress-gateway-a": pods "higress-gateway-a" is forbidden`) ||
			!strings.Contains(err.Error(), "usage needs list on pods and get on pods/log") {
			t.Fatalf("follow=%v: err = %v", follow, err)
		}
	}
}

func TestPodSourceFollowsRestartsDropsAndNewPods(t *testing.T) {
	api := usagetest.NewKubeAPI()
	at := &stamps{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	api.AddPod("higress-system", "higress-gateway-a", gatewayLabels, "higress-gateway")
	api.AddPod("higress-system", "higress-gateway-b", gatewayLabels, "higress-gateway")
	src := PodSource{Client: podClient(t, api), Namespace: "higress-system", Selector: GatewaySelector,
		Resync: 20 * time.Millisecond, Retry: 5 * time.Millisecond}

	var mu sync.Mutex
	seen := map[string]int{}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, c := range seen {
			n += c
		}
		return n
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- src.Read(ctx, true, each(func(l []byte) { mu.Lock(); seen[string(l)]++; mu.Unlock() }))
	}()
	n := 0
	// logN writes k numbered lines to a pod.
	logN := func(pod string, k int) {
		var texts []string
		for range k {
			n++
			texts = append(texts, fmt.Sprintf(`{"request_id":"%d"}`, n))
		}
		api.Log(pod, at.lines(texts...)...)
	}
	logN("higress-gateway-a", 3)
	logN("higress-gateway-b", 2)
	waitFor(t, func() bool { return count() == 5 })

	// A dropped connection: resumed from the last line's second, nothing repeated.
	api.Drop("higress-gateway-a")
	logN("higress-gateway-a", 2)
	waitFor(t, func() bool { return count() == 7 })

	// A restart: the old container's last lines (streamed or not before it died) and the new
	// container's, each once.
	logN("higress-gateway-b", 3)
	api.Restart("higress-gateway-b")
	logN("higress-gateway-b", 2)
	waitFor(t, func() bool { return count() == 12 })

	// A rollout: a new pod, first waiting to start, then logging; an old one deleted.
	api.AddWaitingPod("higress-system", "higress-gateway-c", gatewayLabels, "higress-gateway")
	api.Delete("higress-gateway-a")
	time.Sleep(50 * time.Millisecond)
	api.Start("higress-gateway-c")
	logN("higress-gateway-c", 4)
	logN("higress-gateway-b", 1)
	waitFor(t, func() bool { return count() == 17 })

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i <= n; i++ {
		if c := seen[fmt.Sprintf(`{"request_id":"%d"}`, i)]; c != 1 {
			t.Errorf("line %d passed on %d times", i, c)
		}
	}
	if len(seen) != n {
		t.Errorf("lines passed on: %v", seen)
	}
}

func TestFollowedGzipFileIsReadToItsEnd(t *testing.T) {
	// A rotated log: nothing is appended to it, so following it reads it once and ends (a plain
	// file followed is tailed until ctx is cancelled).
	p := filepath.Join(t.TempDir(), "access.log.1.gz")
	write(t, p, gzipped(t, line("alice", "m", 1, 0, "")+"\n"+line("bob", "m", 2, 0, "")+"\n"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var seen []string
	err := FileSource{Path: p, Poll: 5 * time.Millisecond}.Read(ctx, true, each(func(l []byte) { seen = append(seen, string(l)) }))
	if err != nil || ctx.Err() != nil {
		t.Fatalf("err %v, ended by the timeout: %v", err, ctx.Err() != nil)
	}
	if len(seen) != 2 || !strings.Contains(seen[0], "alice") || !strings.Contains(seen[1], "bob") {
		t.Fatalf("lines %q", seen)
	}
}

// gzipped returns content compressed.
func gzipped(t *testing.T, content string) string {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return gz.String()
}

func TestCollectEndsAtTheFirstErrorAndWhenCancelled(t *testing.T) {
	// A source that fails stops the others (one following here would never end by itself).
	broken := errors.New("the log went away")
	failing := scripted{lines: []string{line("alice", "m", 1, 0, "")}, read: make(chan struct{}), err: broken}
	waiting := scripted{read: make(chan struct{})}
	for _, follow := range []bool{false, true} {
		failing.read, waiting.read = make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- Collect(context.Background(), []Source{failing, waiting}, follow, Filter{}, NewAggregator([]Dim{ByConsumer}, nil))
		}()
		select {
		case err := <-done:
			if !errors.Is(err, broken) {
				t.Fatalf("follow=%v: err = %v", follow, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("follow=%v: Collect still reading 30 s after a source failed", follow)
		}
	}

	// Read to the end and cancelled, what was read is not the whole: an error (exit 2), not a
	// report. Followed, cancelling is how it ends.
	for _, follow := range []bool{false, true} {
		waiting.read = make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-waiting.read; cancel() }()
		err := Collect(ctx, []Source{waiting}, follow, Filter{}, NewAggregator([]Dim{ByConsumer}, nil))
		if follow && err != nil || !follow && !errors.Is(err, context.Canceled) {
			t.Fatalf("follow=%v: cancelled: err = %v", follow, err)
		}
	}
}

func TestFileSourceErrorsNameThePathOnce(t *testing.T) {
	dir := t.TempDir()
	for _, follow := range []bool{false, true} {
		err := FileSource{Path: dir}.Read(context.Background(), follow, each(func([]byte) {}))
		if err == nil || err.Error() != "cannot read log file "+dir+": is a directory" {
			t.Fatalf("follow=%v: err = %v", follow, err)
		}
	}
}

// Blank lines add no bytes: a batch is cut at batchLines lines too, or it grows without end.
func TestBatchesOfBlankLinesAreBounded(t *testing.T) {
	out := make(chan *batch, 1000)
	b := &batcher{out: out, free: make(chan *batch, 1), size: batchSize}
	for range 10 * batchLines {
		b.add(nil)
	}
	b.flush()
	close(out)
	n := 0
	for got := range out {
		if len(got.ends) > batchLines {
			t.Fatalf("a batch of %d lines, more than %d", len(got.ends), batchLines)
		}
		n += len(got.ends)
	}
	if n != 10*batchLines {
		t.Fatalf("%d lines in the batches, want %d", n, 10*batchLines)
	}
}

// Blocks of whole lines give the lines a line reader gives, whatever the block size: a line
// longer than a block, CRLF endings, a last line without newline, gzip.
func TestReadBlocksGivesEveryLine(t *testing.T) {
	text := "first\r\n" + strings.Repeat("x", 100) + "\n\n" + "mid\nlast without newline\r"
	want := []string{"first", strings.Repeat("x", 100), "", "mid", "last without newline"}
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write([]byte(text))
	zw.Close()
	for _, tc := range []struct {
		name  string
		input []byte
		size  int
	}{
		{"plain, tiny blocks", []byte(text), 1},
		{"plain, blocks shorter than a line", []byte(text), 7},
		{"plain, one block", []byte(text), 1 << 20},
		{"gzip, small blocks", zipped.Bytes(), 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var blocks int
			get := func() []byte { return make([]byte, 0, tc.size) }
			put := func(b []byte) {
				blocks++
				eachLine(b, func(l []byte) { got = append(got, string(l)) })
			}
			if err := readBlocks(bytes.NewReader(tc.input), get, put); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("lines = %q, want %q", got, want)
			}
			if tc.size == 1<<20 && blocks != 1 {
				t.Fatalf("%d blocks for %d bytes in blocks of %d", blocks, len(tc.input), tc.size)
			}
		})
	}
}
