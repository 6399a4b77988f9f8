package usage

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/higress-ai/higress-ai/internal/testenv"
)

// rates are how fast the test gateway's counters grow, per second: input tokens, output tokens
// and requests of each series.
var rates = []struct {
	route, model, consumer string
	input, output, reqs    float64
}{
	{"gpt-4o", "gpt-4o", "alice", 1000, 200, 50},
	{"gpt-4o", "gpt-4o", "bob", 300, 100, 20},
	// A model without a price is unpriced whatever its tokens, none included: never $0.
	{"local", "llama-local", "ci", 0, 0, 5},
	{"local", "llama-local", "none", 50, 5, 10},
}

// gatewayMetrics is the gateway's /stats/prometheus text after running for elapsed: every counter
// grows steadily, so its increase over any window is its rate times the window.
func gatewayMetrics(elapsed time.Duration) string {
	var b strings.Builder
	sec := elapsed.Seconds()
	for _, m := range []struct {
		name string
		rate func(i int) float64
	}{
		{MetricInputTokens, func(i int) float64 { return rates[i].input }},
		{MetricOutputTokens, func(i int) float64 { return rates[i].output }},
		{MetricRequests, func(i int) float64 { return rates[i].reqs }},
	} {
		fmt.Fprintf(&b, "# TYPE %s counter\n", m.name)
		for i, r := range rates {
			fmt.Fprintf(&b, "%s{ai_route=%q,ai_cluster=\"outbound|443||llm.dns\",ai_model=%q,ai_consumer=%q} %d\n",
				m.name, r.route, r.model, r.consumer, int64(m.rate(i)*sec))
		}
	}
	return b.String()
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startPrometheus runs Debian's prometheus on loopback, scraping target every second.
func startPrometheus(t *testing.T, target string) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	testenv.Require(t, err == nil, "prometheus not on PATH: install Debian's prometheus (scripts/deps.sh)")
	dir := t.TempDir()
	cfg := fmt.Sprintf("global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n- job_name: gateway\n  metrics_path: /stats/prometheus\n  static_configs: [{targets: [%q]}]\n", target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	logf, _ := os.Create(filepath.Join(dir, "prometheus.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return "http://" + addr
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
			t.Fatalf("prometheus not ready in 30 s:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestPrometheusSourceAgainstARealPrometheus(t *testing.T) {
	// The counters started well before the test: a window never reaches back to their start.
	t0 := time.Now().Add(-time.Hour)
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stats/prometheus" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, gatewayMetrics(time.Since(t0)))
	}))
	defer gw.Close()
	url := startPrometheus(t, strings.TrimPrefix(gw.URL, "http://"))
	prom := Prometheus{URL: url}
	ctx := context.Background()

	// Without --since: the counters' values, about an hour of traffic.
	var first time.Time
	waitFor(t, func() bool {
		g, err := prom.Query(ctx, []Dim{ByConsumer}, time.Time{}, time.Now(), nil)
		if err == nil && len(g) == len(rates) && g[0].Keys[0] == "alice" && g[0].InputTokens > 3_500_000 {
			first = time.Now()
			return true
		}
		return false
	})
	// Let Prometheus scrape for longer than the window, then ask for the last 4 s.
	const window = 4 * time.Second
	time.Sleep(time.Until(first.Add(window + 2*time.Second)))
	until := time.Now()
	groups, err := prom.Query(ctx, []Dim{ByConsumer, ByModel}, until.Add(-window), until, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Prometheus extrapolates from its samples to the window's edges; the counters grow steadily, so
	// the estimate is the rate times the window, give or take the scrape's timing and rounding.
	near := func(got int64, want float64) bool { return math.Abs(float64(got)-want) <= 0.02*want+2 }
	if len(groups) != len(rates) {
		t.Fatalf("groups %+v", groups)
	}
	for i, r := range rates {
		g := groups[i]
		w := window.Seconds()
		consumer := r.consumer
		if consumer == "none" {
			consumer = Missing // the gateway's label for a request without a consumer
		}
		if g.Keys[0] != consumer || g.Keys[1] != r.model || !near(g.Requests, r.reqs*w) || !near(g.InputTokens, r.input*w) || !near(g.OutputTokens, r.output*w) {
			t.Fatalf("%s/%s: got %v requests %d input %d output %d, want about %v, %v, %v",
				r.consumer, r.model, g.Keys, g.Requests, g.InputTokens, g.OutputTokens, r.reqs*w, r.input*w, r.output*w)
		}
		switch r.model {
		case "gpt-4o":
			if want := (float64(g.InputTokens)*2.5 + float64(g.OutputTokens)*10) / 1e6; math.Abs(g.CostUSD()-want) > 1e-12 || !g.Priced() {
				t.Fatalf("%s: cost %v, want %v", r.consumer, g.CostUSD(), want)
			}
		case "llama-local":
			if g.Priced() || g.UnpricedRequests != g.Requests {
				t.Fatalf("llama-local must be unpriced: %+v", g)
			}
		}
	}
	// Grouped by route, without the model: cost still uses each series' model.
	groups, err = prom.Query(ctx, []Dim{ByRoute}, until.Add(-window), until, nil)
	if err != nil || len(groups) != 2 || groups[0].Keys[0] != "gpt-4o" || !near(groups[0].Requests, 70*window.Seconds()) ||
		groups[0].CostUSD() == 0 || groups[1].Keys[0] != "local" || groups[1].Priced() {
		t.Fatalf("by route: %v %+v", err, groups)
	}
	if _, err := prom.Query(ctx, []Dim{ByDay}, until.Add(-window), until, nil); err == nil || !strings.Contains(err.Error(), "cannot group by day") {
		t.Fatalf("by day: %v", err)
	}
	if _, err := (Prometheus{URL: "http://127.0.0.1:1"}).Query(ctx, []Dim{ByModel}, until.Add(-window), until, nil); err == nil || !strings.HasPrefix(err.Error(), "cannot reach Prometheus at 127.0.0.1:1: ") {
		t.Fatalf("unreachable: %v", err)
	}
}
