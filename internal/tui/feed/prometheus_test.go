package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/higress-ai/higress-ai/internal/usage"
)

// fakePrometheus answers instant queries of increase(metric[window]) by (ai_consumer, ai_model)
// as if every series grew at a steady rate, twice as fast in the window ending at now as before.
func fakePrometheus(t *testing.T, now time.Time) *httptest.Server {
	series := []struct {
		consumer, model         string
		requests, input, output float64 // per second, before now's window
	}{
		{"alice", "gpt-4o", 2, 1000, 100},
		{"bob", "llama-local", 1, 10, 1},
	}
	window := regexp.MustCompile(`\[(\d+)ms\]`)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("query")
		m := window.FindStringSubmatch(q)
		if m == nil {
			t.Errorf("query without a window: %s", q)
		}
		ms, _ := strconv.Atoi(m[1])
		at, _ := strconv.ParseFloat(r.URL.Query().Get("time"), 64)
		factor := 1.0
		if math.Abs(at-float64(now.UnixMilli())/1000) < 1 {
			factor = 2
		}
		var result []map[string]any
		for _, s := range series {
			rate := s.requests
			switch {
			case regexp.MustCompile(`input_token`).MatchString(q):
				rate = s.input
			case regexp.MustCompile(`output_token`).MatchString(q):
				rate = s.output
			}
			result = append(result, map[string]any{
				"metric": map[string]string{"ai_consumer": s.consumer, "ai_model": s.model},
				"value":  []any{at, fmt.Sprint(rate * factor * float64(ms) / 1000)},
			})
		}
		json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"resultType": "vector", "result": result}})
	}))
}

func TestPrometheusPolled(t *testing.T) {
	srv := fakePrometheus(t, wall)
	defer srv.Close()
	f := New(Options{Prometheus: &usage.Prometheus{URL: srv.URL}, Now: func() time.Time { return wall }, Every: time.Hour, PromEvery: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go f.Run(ctx)
	s := <-f.Snapshots()
	if s.Err != nil || !s.Metrics {
		t.Fatalf("snapshot: err %v, metrics %v", s.Err, s.Metrics)
	}
	// 5 minutes at twice the rates: alice 1,200 requests, 600,000 input and 60,000 output tokens.
	rows := map[string]Row{}
	for _, r := range s.Consumers {
		rows[r.Name] = r
	}
	a, b := rows["alice"], rows["bob"]
	if a.Requests != 1200 || a.Input != 600000 || a.Output != 60000 || !a.Priced {
		t.Errorf("alice = %+v", a)
	}
	// gpt-4o: $2.50 and $10 per million: $1.50 + $0.60 in 5 minutes, $25.20 an hour; +100%.
	if math.Abs(a.CostUSD()-2.1) > 1e-9 || math.Abs(a.CostPerHour-25.2) > 1e-9 || math.Abs(a.Change-1) > 1e-9 {
		t.Errorf("alice cost %v, $/h %v, change %v", a.CostUSD(), a.CostPerHour, a.Change)
	}
	if b.Priced || b.Requests != 600 {
		t.Errorf("bob (llama-local, no price) = %+v, want unpriced", b)
	}
	if s.Pulse.Requests != 1800 || s.Pulse.ReqPerSec != 6 || s.Pulse.P95 != -1 || s.Pulse.ErrorPct != -1 || !s.Pulse.CostPartial {
		t.Errorf("pulse = %+v", s.Pulse)
	}
	// Zooming polls again, over the new window.
	f.SetZoom(2)
	for s = <-f.Snapshots(); s.Zoom != 2; s = <-f.Snapshots() {
	}
	for _, r := range s.Consumers {
		if r.Name == "alice" && r.Requests != 2*2*3600 {
			t.Errorf("alice over 1h: %d requests", r.Requests)
		}
	}
}
