package dashboard

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/higress-ai/higress-ai/internal/testenv"
	"github.com/higress-ai/higress-ai/internal/usage/usagetest"
)

// tmux drives a real terminal on a private server.
type tmux struct {
	t      *testing.T
	socket string
}

func (x *tmux) run(args ...string) string {
	x.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", x.socket}, args...)...).CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

func (x *tmux) screen() string { return x.run("capture-pane", "-p", "-t", "dash") }

// waitScreen polls the screen until ok accepts it, for at most 20 s.
func (x *tmux) waitScreen(what string, ok func(string) bool) string {
	x.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := x.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("%s: not on screen after 20 s:\n%s", what, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (x *tmux) waitText(texts ...string) string {
	x.t.Helper()
	return x.waitScreen(strings.Join(texts, ", "), func(s string) bool {
		for _, w := range texts {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	})
}

// buildBinary builds higress-ai into dir.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "higress-ai")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "github.com/higress-ai/higress-ai/cmd/higress-ai")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// rowCounts reads a table's rows from the screen: name -> the REQUESTS and ERRORS columns.
func rowCounts(screen string) map[string][2]string {
	out := map[string][2]string{}
	for _, line := range strings.Split(screen, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 {
			out[f[0]] = [2]string{f[1], f[2]}
		}
	}
	return out
}

func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// TestRealTerminal runs the dashboard in tmux on a generated log: the consumers and models show
// the totals the generator wrote, appended lines appear, every view stays readable at 80x24, and
// q exits 0 with the screen restored.
func TestRealTerminal(t *testing.T) {
	_, err := exec.LookPath("tmux")
	testenv.Require(t, err == nil, "tmux is not installed (scripts/deps.sh installs it)")
	bin := buildBinary(t, t.TempDir())
	t.Run("log file", func(t *testing.T) { testLogFile(t, bin) })
	t.Run("stdin", func(t *testing.T) { testStdin(t, bin) })
}

func testLogFile(t *testing.T, bin string) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "access.log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := usagetest.Write(f, 1500, 11)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The totals, from what the generator wrote.
	consumers, models := map[string][2]int64{}, map[string][2]int64{}
	var total int64
	for k, tot := range truth.ByConsumerModel {
		for i := range k {
			if k[i] == "" {
				k[i] = "(none)" // how the screen shows a missing consumer or model
			}
		}
		c, m := consumers[k[0]], models[k[1]]
		consumers[k[0]] = [2]int64{c[0] + tot.Requests, c[1] + tot.Errors}
		models[k[1]] = [2]int64{m[0] + tot.Requests, m[1] + tot.Errors}
		total += tot.Requests
	}

	x := &tmux{t: t, socket: fmt.Sprintf("higress-ai-test-%d", os.Getpid())}
	exitFile := filepath.Join(dir, "exit")
	script := fmt.Sprintf("%s dashboard --log-file %s --refresh 200ms; echo EXIT=$? > %s; echo dashboard ended; sleep 600", bin, logPath, exitFile)
	x.run("new-session", "-d", "-x", "140", "-y", "40", "-s", "dash", "sh", "-c", script)
	t.Cleanup(func() { exec.Command("tmux", "-L", x.socket, "kill-server").Run() })

	x.waitText("REQUESTS/S", count(total)+" requests")
	check := func(view string, want map[string][2]int64) {
		t.Helper()
		s := x.waitText(fmt.Sprintf("%d %s", len(want), view))
		got := rowCounts(s)
		for name, w := range want {
			if g := got[name]; g != [2]string{count(w[0]), count(w[1])} {
				t.Errorf("%s %s: requests, errors on screen %v, want %d, %d\n%s", view, name, g, w[0], w[1], s)
			}
		}
	}
	x.run("send-keys", "-t", "dash", "2")
	check("consumers", consumers)
	x.run("send-keys", "-t", "dash", "3")
	check("models", models)

	// Lines appended to the log appear.
	f, err = os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		fmt.Fprintf(f, `{"ai_log":"{\"consumer\":\"late-comer\",\"model\":\"gpt-4o\",\"input_token\":10,\"output_token\":1}","response_code":"200","start_time":"2026-11-21T00:00:0%d.000Z"}`+"\n", i)
	}
	f.Close()
	x.run("send-keys", "-t", "dash", "2")
	x.waitScreen("late-comer with 5 requests", func(s string) bool { return rowCounts(s)["late-comer"][0] == "5" })
	x.waitText(count(total+5) + " requests")

	// Every view is readable at 80x24.
	x.run("resize-window", "-t", "dash", "-x", "80", "-y", "24")
	for _, v := range []struct{ key, text string }{{"1", "REQUESTS/S"}, {"2", "CONSUMER"}, {"3", "MODEL"}, {"4", "LATENCY"}, {"5", "REFUSED BY"}} {
		x.run("send-keys", "-t", "dash", v.key)
		s := x.waitScreen("view "+v.key+" at 80x24", func(s string) bool {
			lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
			return strings.Contains(s, v.text) && len(lines) == 24 && strings.HasPrefix(lines[0], "higress-ai dashboard") &&
				strings.Contains(lines[23], "? help") && strings.Contains(lines[23], "q quit")
		})
		for i, line := range strings.Split(s, "\n") {
			if n := utf8.RuneCountInString(line); n > 80 {
				t.Errorf("view %s line %d is %d wide", v.key, i+1, n)
			}
		}
	}

	x.run("send-keys", "-t", "dash", "q")
	s := x.waitText("dashboard ended")
	if strings.Contains(s, "REQUESTS/S") || strings.Contains(s, "higress-ai dashboard") {
		t.Errorf("the screen was not restored:\n%s", s)
	}
	b, _ := os.ReadFile(exitFile)
	if got := strings.TrimSpace(string(b)); got != "EXIT=0" {
		t.Errorf("exit: %q, want EXIT=0", got)
	}
}

// testStdin pipes the log into --log-file -: the keys then come from the terminal.
func testStdin(t *testing.T, bin string) {
	dir := t.TempDir()
	x := &tmux{t: t, socket: fmt.Sprintf("higress-ai-test-stdin-%d", os.Getpid())}
	exitFile := filepath.Join(dir, "exit")
	script := fmt.Sprintf("cat ../../../examples/gateway-access.log | %s dashboard --log-file - --refresh 200ms; echo EXIT=$? > %s; echo dashboard ended; sleep 600", bin, exitFile)
	x.run("new-session", "-d", "-x", "120", "-y", "30", "-s", "dash", "sh", "-c", script)
	t.Cleanup(func() { exec.Command("tmux", "-L", x.socket, "kill-server").Run() })

	// The sample log's requests and alice's, counted with encoding/json.
	requests, alice := sampleCounts(t, "../../../examples/gateway-access.log", "alice")
	x.waitText("standard input", count(requests)+" requests", "sources ended")
	x.run("send-keys", "-t", "dash", "2")
	x.waitScreen("alice's requests", func(s string) bool { return rowCounts(s)["alice"] == [2]string{count(alice[0]), count(alice[1])} })
	x.run("send-keys", "-t", "dash", "q")
	x.waitText("dashboard ended")
	b, _ := os.ReadFile(exitFile)
	if got := strings.TrimSpace(string(b)); got != "EXIT=0" {
		t.Errorf("exit: %q, want EXIT=0", got)
	}
}

// sampleCounts counts a log's requests (its JSON lines) and one consumer's requests and errors,
// with encoding/json: the consumer is ai_log's, or the line's own consumer field.
func sampleCounts(t *testing.T, path, consumer string) (requests int64, of [2]int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		requests++
		who, _ := m["consumer"].(string)
		if s, ok := m["ai_log"].(string); ok {
			var ai map[string]any
			if json.Unmarshal([]byte(s), &ai) == nil {
				if c, ok := ai["consumer"].(string); ok {
					who = c
				}
			}
		}
		if who == consumer {
			of[0]++
			if code, _ := strconv.Atoi(fmt.Sprint(m["response_code"])); code >= 400 {
				of[1]++
			}
		}
	}
	return requests, of
}
