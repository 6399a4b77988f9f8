package usage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/higress-ai/higress-ai/internal/commands/cmdtest"
)

const sampleLog = `{"ai_log":"{\"consumer\":\"alice\",\"model\":\"gpt-4o\",\"input_token\":1000000,\"output_token\":100000}","response_code":"200","duration":"900","start_time":"2026-11-24T10:00:00Z","route_name":"gpt-4o"}
{"ai_log":"{\"consumer\":\"alice\",\"model\":\"gpt-4o\",\"input_token\":\"0\",\"output_token\":\"0\"}","response_code":"500","duration":"100","start_time":"2026-11-24T11:00:00Z","route_name":"gpt-4o"}
{"ai_log":"{\"consumer\":\"bob\",\"model\":\"llama-local\",\"input_token\":50,\"output_token\":5}","response_code":"200","duration":"50","start_time":"2026-11-25T09:00:00Z","route_name":"local"}
this line is not JSON

{"response_code":"401","duration":"1","start_time":"2026-11-25T09:30:00Z","route_name":"gpt-4o"}
`

func run(t *testing.T, tf *cmdtest.Factory, args ...string) error {
	t.Helper()
	return tf.Run(NewCmdUsage(tf.Factory, nil), args...)
}

func writeLog(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(p, []byte(sampleLog), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--by", "consumer,cost"}, `--by: cannot group by "cost"`},
		{[]string{"--since", "yesterday"}, `--since: invalid time "yesterday"`},
		{[]string{"--since", "2026-11-25", "--until", "2026-11-24"}, "--since must be before --until"},
		{[]string{"--log-file", "a", "--prometheus", "http://p:9090"}, "cannot be used together"},
		{[]string{"--sort", "alpha"}, `invalid --sort "alpha"`},
		{[]string{"-o", "name"}, `invalid argument "name" for "-o, --output" flag`},
		{[]string{"extra"}, `unexpected argument "extra": usage takes none`},
	}
	for _, tc := range cases {
		tf := cmdtest.New(t)
		err := run(t, tf, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error = %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestTableOnAndOffATerminal(t *testing.T) {
	p := writeLog(t)
	for _, tty := range []bool{false, true} {
		tf := cmdtest.New(t)
		tf.IO.SetTTY(tty)
		if err := run(t, tf, "--log-file", p); err != nil {
			t.Fatal(err)
		}
		want := `CONSUMER   MODEL         REQUESTS   ERRORS   INPUT       OUTPUT    COST                 P50     P95
alice      gpt-4o        2          1        1,000,000   100,000   $3.50                100ms   900ms
bob        llama-local   1          0        50          5         UNPRICED             50ms    50ms
(none)     (none)        1          1        0           0         $0.00                1ms     1ms
TOTAL                    4          2        1,000,050   100,005   $3.50 + 1 unpriced
`
		if got := tf.Stdout.String(); got != want {
			t.Fatalf("tty=%v:\n%s\nwant:\n%s", tty, got, want)
		}
		if !strings.Contains(tf.Stderr.String(), "skipped 1 unparseable lines\n") || !strings.Contains(tf.Stderr.String(), "list prices of 2025-10-01") {
			t.Fatalf("stderr: %q", tf.Stderr)
		}
	}
}

func TestJSONAndCSV(t *testing.T) {
	p := writeLog(t)
	tf := cmdtest.New(t)
	if err := run(t, tf, "--log-file", p, "-o", "json", "--by", "model,consumer", "--sort", "name"); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(tf.Stdout.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0]["model"] != "gpt-4o" || rows[0]["consumer"] != "alice" || rows[0]["costUSD"] != 3.5 ||
		rows[0]["requests"] != float64(2) || rows[0]["errors"] != float64(1) || rows[0]["inputTokens"] != float64(1e6) || rows[0]["outputTokens"] != float64(1e5) {
		t.Fatalf("rows: %v", rows)
	}
	if rows[1]["model"] != "llama-local" || rows[1]["costUSD"] != nil {
		t.Fatalf("an unpriced model must have cost_usd null: %v", rows[1])
	}
	if !strings.HasPrefix(tf.Stdout.String(), "[\n  {\n    \"model\": \"gpt-4o\",\n    \"consumer\": \"alice\",") {
		t.Fatalf("keys not first, in --by order:\n%s", tf.Stdout)
	}

	tf = cmdtest.New(t)
	if err := run(t, tf, "--log-file", p, "-o", "csv", "--by", "day", "--sort", "name"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(tf.Stdout.String()), "\n")
	if len(lines) != 3 || lines[0] != "day,requests,errors,inputTokens,outputTokens,cachedTokens,reasoningTokens,costUSD,unpricedRequests,latencyP50Ms,latencyP95Ms,firstTokenP50Ms,firstTokenP95Ms" ||
		!strings.HasPrefix(lines[1], "2026-11-24,2,1,1000000,100000,0,0,3.5,0,") || !strings.HasPrefix(lines[2], "2026-11-25,2,1,50,5,0,0,,1,") {
		t.Fatalf("csv:\n%s", tf.Stdout)
	}
}

func TestStdinSincePricesAndErrors(t *testing.T) {
	tf := cmdtest.New(t)
	tf.Stdin.WriteString(sampleLog)
	prices := filepath.Join(t.TempDir(), "prices.json")
	os.WriteFile(prices, []byte(`{"models": {"llama-local": {"input": 0, "output": 0}}}`), 0o644)
	// The factory's clock is 2026-11-25T12:00Z: 24h keeps the 25th's requests only.
	if err := run(t, tf, "--log-file", "-", "--since", "24h", "--prices", prices, "--by", "consumer", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	json.Unmarshal(tf.Stdout.Bytes(), &rows)
	// The missing consumer is null, never the name "none"; it sorts last.
	if len(rows) != 2 || rows[0]["consumer"] != "bob" || rows[0]["costUSD"] != 0.0 || rows[1]["consumer"] != nil {
		t.Fatalf("rows %v", rows)
	}

	missing := filepath.Join(t.TempDir(), "missing.log")
	dir := t.TempDir()
	dup := filepath.Join(dir, "dup.yaml")
	os.WriteFile(dup, []byte("models:\n  a: {input: 1, output: 1}\n  a: {input: 2, output: 2}\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--log-file", missing}, "cannot read log file " + missing + ": no such file or directory"},
		{[]string{"--log-file", dir}, "cannot read log file " + dir + ": is a directory"},
		{[]string{"--log-file", "-", "--log-file", dir}, "cannot read log file " + dir + ": is a directory"},
		{[]string{"--log-file", "-", "--log-file", "-"}, "--log-file - given more than once"},
		{[]string{"--log-file", writeLog(t), "--prices", missing}, "--prices: open " + missing},
		{[]string{"--log-file", writeLog(t), "--prices", dup}, "--prices: " + dup + `: line 3: key "a" already set in map`},
		{[]string{"--prometheus", "http://127.0.0.1:1", "--since", "1h"}, "cannot reach Prometheus at 127.0.0.1:1"},
		{[]string{"--prometheus", "http://127.0.0.1:1"}, "cannot reach Prometheus at 127.0.0.1:1"},
		{[]string{"--prometheus", "prometheus:9090"}, `invalid --prometheus "prometheus:9090"`},
	} {
		tf := cmdtest.New(t)
		err := run(t, tf, tc.args...)
		// One line: the error's, with nothing before it on stderr.
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") || tf.Stderr.Len() != 0 {
			t.Errorf("%v: error = %v, want %q; stderr %q", tc.args, err, tc.want, tf.Stderr)
		}
	}
}

func TestClusterSourceErrors(t *testing.T) {
	tf := cmdtest.New(t)
	if err := run(t, tf); err == nil || !strings.Contains(err.Error(), "--dir has no gateway logs") {
		t.Fatalf("folder mode: %v", err)
	}
	tf.Flags.Dir = ""
	tf.Clientset = func() (kubernetes.Interface, error) {
		return kubernetes.NewForConfig(&rest.Config{Host: "https://127.0.0.1:1"})
	}
	tf.Flags.Dir = ""
	err := tf.Run(NewCmdUsage(tf.Factory, nil))
	if err == nil || !strings.HasPrefix(err.Error(), "cannot reach the cluster: https://127.0.0.1:1") {
		t.Fatalf("unreachable cluster: %v", err)
	}
}

// Tokens unknown, or a model without a price, show UNPRICED and cost_usd null, never $0.
func TestUnknownIsNeverAZeroCost(t *testing.T) {
	log := `{"ai_log":"{\"consumer\":\"alice\",\"model\":\"gpt-4o\"}","response_code":"200","duration":"900"}
{"ai_log":"{\"consumer\":\"bob\",\"model\":\"llama-local\",\"input_token\":0,\"output_token\":0}","response_code":"200","duration":"90"}
{"ai_log":"{\"consumer\":\"carol\",\"model\":\"gpt-4o\",\"input_token\":0,\"output_token\":0}","response_code":"200","duration":"9"}
`
	p := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(p, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := cmdtest.New(t)
	if err := run(t, tf, "--log-file", p, "--by", "consumer", "--sort", "name"); err != nil {
		t.Fatal(err)
	}
	want := `CONSUMER   REQUESTS   ERRORS   INPUT   OUTPUT   COST                 P50     P95
alice      1          0        0       0        UNPRICED             900ms   900ms
bob        1          0        0       0        UNPRICED             90ms    90ms
carol      1          0        0       0        $0.00                9ms     9ms
TOTAL      3          0        0       0        $0.00 + 2 unpriced
`
	if got := tf.Stdout.String(); got != want {
		t.Fatalf("table:\n%s\nwant:\n%s", got, want)
	}
	tf = cmdtest.New(t)
	if err := run(t, tf, "--log-file", p, "--by", "consumer", "--sort", "name", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(tf.Stdout.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0]["costUSD"] != nil || rows[0]["unpricedRequests"] != 1.0 || rows[1]["costUSD"] != nil ||
		rows[1]["unpricedRequests"] != 1.0 || rows[2]["costUSD"] != 0.0 || rows[2]["unpricedRequests"] != 0.0 {
		t.Fatalf("rows %v", rows)
	}
}

// lockedBuffer is a buffer a test reads while the command writes it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestFollowPrintsEachRequestAsALine(t *testing.T) {
	tf := cmdtest.New(t)
	tf.Stdin.WriteString(sampleLog)
	if err := run(t, tf, "--follow", "--log-file", "-", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(tf.Stdout.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want one per request (4):\n%s", len(lines), tf.Stdout)
	}
	var got []map[string]any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not one JSON object a line: %q: %v", l, err)
		}
		got = append(got, m)
	}
	// gpt-4o at $2.50 and $10 per million: 1,000,000 in and 100,000 out cost $3.50.
	if got[0]["consumer"] != "alice" || got[0]["model"] != "gpt-4o" || got[0]["costUSD"] != 3.5 || got[0]["status"] != 200.0 ||
		got[0]["time"] != "2026-11-24T10:00:00.000Z" || got[0]["durationMs"] != 900.0 || got[0]["firstTokenMs"] != nil {
		t.Errorf("first request: %v", got[0])
	}
	if got[2]["model"] != "llama-local" || got[2]["costUSD"] != nil {
		t.Errorf("an unpriced model must have cost_usd null: %v", got[2])
	}
	if got[3]["status"] != 401.0 || got[3]["costUSD"] != 0.0 || got[3]["consumer"] != nil || got[3]["model"] != nil {
		t.Errorf("a request refused before any model was called costs 0: %v", got[3])
	}
	if !strings.Contains(tf.Stderr.String(), "skipped 1 unparseable lines") {
		t.Errorf("stderr %q", tf.Stderr)
	}

	tf = cmdtest.New(t)
	tf.Stdin.WriteString(sampleLog)
	if err := run(t, tf, "--follow", "--log-file", "-"); err != nil {
		t.Fatal(err)
	}
	table := strings.Split(tf.Stdout.String(), "\n")
	if len(table) != 6 || !strings.HasPrefix(table[0], "TIME                     CONSUMER         MODEL") ||
		!strings.HasPrefix(table[1], "2026-11-24T10:00:00.000Z alice            gpt-4o               gpt-4o           200    1,000,000 100,000  $3.50      900ms") ||
		!strings.Contains(table[3], " UNPRICED ") {
		t.Errorf("table:\n%s", tf.Stdout)
	}

	for _, args := range [][]string{{"--by", "model"}, {"--sort", "name"}, {"--until", "1h"}, {"--prometheus", "http://p:9090"}} {
		tf := cmdtest.New(t)
		err := run(t, tf, append([]string{"--follow"}, args...)...)
		if err == nil || !strings.Contains(err.Error(), args[0]+" cannot be used with it") {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestFollowKeepsReadingAFileUntilInterrupted(t *testing.T) {
	p := writeLog(t)
	tf := cmdtest.New(t)
	out := &lockedBuffer{}
	tf.IO.Out = out
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tf.Context = ctx
	done := make(chan error, 1)
	cmd := NewCmdUsage(tf.Factory, nil)
	go func() { done <- tf.Run(cmd, "--follow", "--log-file", p, "-o", "csv") }()
	waitLines := func(n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for strings.Count(out.String(), "\n") < n {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %d lines, have:\n%s", n, out)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitLines(5) // the header and the 4 requests already there
	fh, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteString(`{"ai_log":"{\"consumer\":\"carol\",\"model\":\"gpt-4o-mini\",\"input_token\":1000,\"output_token\":10}","response_code":"200","duration":"70","start_time":"2026-11-25T11:00:00Z","route_name":"mini"}` + "\n")
	fh.Close()
	waitLines(6)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("interrupted: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	// gpt-4o-mini at $0.15 and $0.60 per million: 1000 in and 10 out cost $0.000156.
	if lines[0] != "time,consumer,model,route,status,inputTokens,outputTokens,cachedTokens,reasoningTokens,costUSD,durationMs,firstTokenMs" ||
		lines[4] != "2026-11-25T09:30:00.000Z,,,gpt-4o,401,0,0,0,0,0,1," ||
		lines[5] != "2026-11-25T11:00:00.000Z,carol,gpt-4o-mini,mini,200,1000,10,0,0,0.000156,70," {
		t.Fatalf("csv:\n%s", out)
	}
}

// A log with AI traffic but no consumer anywhere says so once, with the fix, and shows the
// requests under (none), never under a consumer called "none".
func TestNoConsumerIsSaidOnceWithTheFix(t *testing.T) {
	var log strings.Builder
	for i := range 50 {
		fmt.Fprintf(&log, `{"ai_log":"{\"model\":\"gpt-4o\",\"input_token\":%d,\"output_token\":1}","response_code":"200","duration":"10"}`+"\n", i)
	}
	hint := "warning: the log has AI requests but no consumer: ai-statistics logs one only when configured; " +
		"add to its attributes {key: consumer, value_source: request_header, value: x-mse-consumer, apply_to_log: true}\n"
	for _, args := range [][]string{{"--log-file", "-", "--by", "consumer"}, {"--log-file", "-", "--follow"}} {
		tf := cmdtest.New(t)
		tf.Stdin.WriteString(log.String())
		if err := run(t, tf, args...); err != nil {
			t.Fatal(err)
		}
		if strings.Count(tf.Stderr.String(), hint) != 1 {
			t.Errorf("%v: stderr %q, want the hint once", args, tf.Stderr)
		}
		if !strings.Contains(tf.Stdout.String(), "(none)") || strings.Contains(tf.Stdout.String(), " none ") {
			t.Errorf("%v: stdout\n%s", args, tf.Stdout)
		}
	}
	tf := cmdtest.New(t)
	tf.Stdin.WriteString(sampleLog) // alice and bob are there
	if err := run(t, tf, "--log-file", "-"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tf.Stderr.String(), "no consumer") {
		t.Errorf("hint with consumers in the log: %q", tf.Stderr)
	}
}

func TestNothingParsedIsAnError(t *testing.T) {
	t.Parallel()
	tf := cmdtest.New(t)
	p := filepath.Join(t.TempDir(), "not-a-log.txt")
	if err := os.WriteFile(p, []byte("hello\nworld\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(t, tf, "--log-file", p)
	if err == nil || !strings.Contains(err.Error(), "no line of the input is a gateway access log entry (2 skipped)") {
		t.Fatalf("err = %v", err)
	}
	// An empty input is no error: there is simply nothing to report.
	empty := filepath.Join(t.TempDir(), "empty.log")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(t, tf, "--log-file", empty, "-o", "json"); err != nil || strings.TrimSpace(tf.Stdout.String()) != "[]" {
		t.Fatalf("err = %v, stdout %q", err, tf.Stdout)
	}
}
