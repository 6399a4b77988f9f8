package usage

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

func line(consumer, model string, in, out int, start string) string {
	ai, _ := json.Marshal(map[string]any{"consumer": consumer, "model": model, "input_token": in, "output_token": out})
	b, _ := json.Marshal(map[string]string{"ai_log": string(ai), "response_code": "200", "start_time": start})
	return string(b)
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
	os.WriteFile(plain, []byte(line("alice", "gpt-4o", 10, 1, "2026-11-20T10:00:00Z")+"\n"+line("bob", "gpt-4o", 20, 1, "2026-11-21T10:00:00Z")), 0o644)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(line("alice", "gpt-4o", 100, 1, "2026-11-22T10:00:00Z") + "\n\nnot json\n"))
	zw.Close()
	zipped := filepath.Join(dir, "b.log.gz")
	os.WriteFile(zipped, gz.Bytes(), 0o644)
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
	if err == nil || err.Error() != "cannot read log file: "+filepath.Join(dir, "missing.log")+": no such file or directory" {
		t.Fatalf("err = %v", err)
	}
}

func TestFileSourceFollowsAppendedLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "live.log")
	os.WriteFile(p, []byte(line("alice", "m", 1, 0, "")+"\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var seen []string
	done := make(chan error)
	go func() {
		done <- FileSource{Path: p, Poll: 10 * time.Millisecond}.Read(ctx, true, func(l []byte) {
			mu.Lock()
			seen = append(seen, string(l))
			mu.Unlock()
		})
	}()
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }
	waitFor(t, func() bool { return count() == 1 })
	f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(line("bob", "m", 2, 0, "") + "\n" + `{"half":`)
	waitFor(t, func() bool { return count() == 2 })
	f.WriteString(`"line"}` + "\n")
	f.Close()
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

// fakeAPI answers the pod list and pod log endpoints as kube-apiserver does: a PodList for
// GET /api/v1/namespaces/NS/pods?labelSelector=..., and a pod's log as text/plain for
// GET /api/v1/namespaces/NS/pods/NAME/log?container=...&previous=...&follow=...; an unknown previous
// log is a 400 Status, as the kubelet reports it.
type fakeAPI struct {
	mu       sync.Mutex
	requests []string
	logs     map[string]string // "pod" or "pod/previous"
	follow   chan string       // lines streamed to followers after the stored log
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.Path+"?"+r.URL.RawQuery)
	f.mu.Unlock()
	const prefix = "/api/v1/namespaces/higress-system/pods"
	switch {
	case r.URL.Path == prefix:
		if r.URL.Query().Get("labelSelector") != "app=higress-gateway" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42"},"items":[
 {"metadata":{"name":"higress-gateway-a","namespace":"higress-system","labels":{"app":"higress-gateway"}},
  "spec":{"containers":[{"name":"higress-gateway","image":"higress/gateway:2.1.9"}]},
  "status":{"phase":"Running","containerStatuses":[{"name":"higress-gateway","restartCount":0,"ready":true,"image":"x","imageID":"y"}]}},
 {"metadata":{"name":"higress-gateway-b","namespace":"higress-system","labels":{"app":"higress-gateway"}},
  "spec":{"containers":[{"name":"istio-proxy","image":"p"},{"name":"higress-gateway","image":"higress/gateway:2.1.9"}]},
  "status":{"phase":"Running","containerStatuses":[{"name":"higress-gateway","restartCount":1,"ready":true,"image":"x","imageID":"y"}]}}]}`)
	case strings.HasPrefix(r.URL.Path, prefix+"/") && strings.HasSuffix(r.URL.Path, "/log"):
		pod := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, prefix+"/"), "/log")
		q := r.URL.Query()
		if q.Get("container") != "higress-gateway" {
			http.Error(w, "wrong container", http.StatusBadRequest)
			return
		}
		key := pod
		if q.Get("previous") == "true" {
			key += "/previous"
		}
		text, ok := f.logs[key]
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"previous terminated container \"higress-gateway\" in pod %q not found","reason":"BadRequest","code":400}`, pod)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, text)
		if q.Get("follow") == "true" && f.follow != nil {
			w.(http.Flusher).Flush()
			for {
				select {
				case l := <-f.follow:
					fmt.Fprintln(w, l)
					w.(http.Flusher).Flush()
				case <-r.Context().Done():
					return
				}
			}
		}
	default:
		http.NotFound(w, r)
	}
}

func podClient(t *testing.T, h http.Handler) kubernetes.Interface {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestPodSourceReadsEveryPodAndTheRestartedOnesPreviousLog(t *testing.T) {
	api := &fakeAPI{logs: map[string]string{
		"higress-gateway-a":          line("alice", "m", 1, 0, "") + "\n" + line("bob", "m", 2, 0, "") + "\n",
		"higress-gateway-b":          line("alice", "m", 10, 0, "") + "\n",
		"higress-gateway-b/previous": line("alice", "m", 100, 0, "") + "\nnot json\n",
	}}
	var warnings []string
	src := PodSource{Client: podClient(t, api), Namespace: "higress-system", Selector: GatewaySelector, Warn: func(s string) { warnings = append(warnings, s) }}
	agg := collect(t, false, Filter{}, src)
	if got := totals(agg); got["alice"] != 111 || got["bob"] != 2 || agg.Skipped != 1 {
		t.Fatalf("totals %v skipped %d", got, agg.Skipped)
	}
	if len(warnings) != 0 {
		t.Fatalf("warnings %v", warnings)
	}
	// The kubelet no longer has the previous log: a warning, the rest is read.
	delete(api.logs, "higress-gateway-b/previous")
	agg = collect(t, false, Filter{}, src)
	if got := totals(agg); got["alice"] != 11 || len(warnings) != 1 || !strings.Contains(warnings[0], "pod higress-gateway-b restarted") {
		t.Fatalf("totals %v warnings %v", got, warnings)
	}
	// --since becomes the log request's sinceTime.
	since := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	src.Since = since
	collect(t, false, Filter{}, src)
	last := api.requests[len(api.requests)-1]
	if !strings.Contains(last, "sinceTime=2026-11-20T10%3A00%3A00Z") {
		t.Fatalf("log request %s", last)
	}
	// No pods: one clear line.
	src.Selector = "app=nothing"
	err := Collect(context.Background(), []Source{src}, false, Filter{}, NewAggregator([]Dim{ByModel}, nil))
	if err == nil || !strings.Contains(err.Error(), `no gateway pods match "app=nothing" in namespace higress-system`) {
		t.Fatalf("err = %v", err)
	}
}

func TestPodSourceFollows(t *testing.T) {
	api := &fakeAPI{logs: map[string]string{"higress-gateway-a": line("alice", "m", 1, 0, "") + "\n", "higress-gateway-b": ""},
		follow: make(chan string)}
	src := PodSource{Client: podClient(t, api), Namespace: "higress-system", Selector: GatewaySelector}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	n := 0
	done := make(chan error)
	go func() {
		done <- src.Read(ctx, true, func([]byte) { mu.Lock(); n++; mu.Unlock() })
	}()
	count := func() int { mu.Lock(); defer mu.Unlock(); return n }
	waitFor(t, func() bool { return count() == 1 })
	api.follow <- line("bob", "m", 1, 0, "")
	api.follow <- line("bob", "m", 1, 0, "")
	waitFor(t, func() bool { return count() == 3 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, r := range api.requests {
		if strings.Contains(r, "previous=true") {
			t.Fatalf("following read a previous log: %s", r)
		}
	}
}
