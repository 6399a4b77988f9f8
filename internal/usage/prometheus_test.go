package usage

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/higress-ai/higress-ai/internal/testenv"
)

// gatewayMetrics is the gateway's /stats/prometheus text for two consumers; round scales every
// counter, as traffic makes them grow.
func gatewayMetrics(round int64) string {
	var b strings.Builder
	for _, m := range []struct {
		name              string
		alice, bob, other int64
	}{
		{MetricInputTokens, 1000, 300, 50},
		{MetricOutputTokens, 200, 100, 5},
		{MetricRequests, 4, 2, 1},
	} {
		fmt.Fprintf(&b, "# TYPE %s counter\n", m.name)
		fmt.Fprintf(&b, "%s{ai_route=\"gpt-4o\",ai_cluster=\"outbound|443||llm-openai.internal.dns\",ai_model=\"gpt-4o\",ai_consumer=\"alice\"} %d\n", m.name, m.alice*round)
		fmt.Fprintf(&b, "%s{ai_route=\"gpt-4o\",ai_cluster=\"outbound|443||llm-openai.internal.dns\",ai_model=\"gpt-4o\",ai_consumer=\"bob\"} %d\n", m.name, m.bob*round)
		fmt.Fprintf(&b, "%s{ai_route=\"local\",ai_cluster=\"outbound|80||vllm.dns\",ai_model=\"llama-local\",ai_consumer=\"none\"} %d\n", m.name, m.other*round)
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
	var round atomic.Int64
	round.Store(1)
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stats/prometheus" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, gatewayMetrics(round.Load()))
	}))
	defer gw.Close()
	url := startPrometheus(t, strings.TrimPrefix(gw.URL, "http://"))
	prom := Prometheus{URL: url}
	ctx := context.Background()

	// Wait for the first values to be scraped, note the time, then let the counters triple.
	var mid time.Time
	waitFor(t, func() bool {
		g, err := prom.Query(ctx, []Dim{ByConsumer}, time.Time{}, time.Now(), nil)
		return err == nil && len(g) == 3
	})
	time.Sleep(1500 * time.Millisecond)
	mid = time.Now()
	round.Store(3)
	waitFor(t, func() bool {
		g, err := prom.Query(ctx, []Dim{ByConsumer}, time.Time{}, time.Now(), nil)
		return err == nil && len(g) == 3 && g[0].InputTokens == 3000
	})
	until := time.Now()

	// Over [mid, until] each counter grew by twice its first value.
	groups, err := prom.Query(ctx, []Dim{ByConsumer, ByModel}, mid, until, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][4]float64{}
	for _, g := range groups {
		got[strings.Join(g.Keys, "/")] = [4]float64{float64(g.Requests), float64(g.InputTokens), float64(g.OutputTokens), g.CostUSD}
		if g.Keys[0] == "none" && (g.Priced() || g.UnpricedRequests != 2) {
			t.Fatalf("llama-local must be unpriced: %+v", g)
		}
	}
	want := map[string][4]float64{
		"alice/gpt-4o":     {8, 2000, 400, (2000*2.5 + 400*10) / 1e6},
		"bob/gpt-4o":       {4, 600, 200, (600*2.5 + 200*10) / 1e6},
		"none/llama-local": {2, 100, 10, 0},
	}
	for k, w := range want {
		g := got[k]
		if g[0] != w[0] || g[1] != w[1] || g[2] != w[2] || fmt.Sprintf("%.9f", g[3]) != fmt.Sprintf("%.9f", w[3]) {
			t.Fatalf("%s: got %v, want %v (all %v)", k, g, w, got)
		}
	}
	// Grouped by route, without the model: cost still uses each series' model.
	groups, err = prom.Query(ctx, []Dim{ByRoute}, mid, until, nil)
	if err != nil || len(groups) != 2 || groups[0].Keys[0] != "gpt-4o" || groups[0].Requests != 12 {
		t.Fatalf("by route: %v %+v", err, groups)
	}
	if _, err := prom.Query(ctx, []Dim{ByDay}, mid, until, nil); err == nil || !strings.Contains(err.Error(), "cannot group by day") {
		t.Fatalf("by day: %v", err)
	}
	if _, err := (Prometheus{URL: "http://127.0.0.1:1"}).Query(ctx, []Dim{ByModel}, mid, until, nil); err == nil || !strings.HasPrefix(err.Error(), "cannot reach Prometheus at 127.0.0.1:1: ") {
		t.Fatalf("unreachable: %v", err)
	}
}
