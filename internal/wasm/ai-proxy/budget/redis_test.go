package budget

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// startRedis runs a real redis-server on a free loopback port for the test, stopped by its pid.
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("HIGRESS_AI_REQUIRE_REAL") == "1" {
			t.Fatal("redis-server not found and HIGRESS_AI_REQUIRE_REAL=1 (scripts/deps.sh installs it)")
		}
		t.Skip("redis-server not found: the budget scripts are not run on a real Redis")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := "127.0.0.1:" + port
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("redis-server did not listen on %s", addr)
	return ""
}

// conn is a minimal RESP client: commands as arrays of bulk strings, replies as Go values.
type conn struct {
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &conn{c, bufio.NewReader(c)}
}

func (c *conn) do(args ...any) (any, error) {
	msg := fmt.Sprintf("*%d\r\n", len(args))
	for _, a := range args {
		s := fmt.Sprint(a)
		msg += fmt.Sprintf("$%d\r\n%s\r\n", len(s), s)
	}
	if _, err := c.c.Write([]byte(msg)); err != nil {
		return nil, err
	}
	return c.read()
}

func (c *conn) read() (any, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-2]
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return nil, fmt.Errorf("redis: %s", line[1:])
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, b); err != nil {
			return nil, err
		}
		return string(b[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		out := make([]any, 0, max(n, 0))
		for i := 0; i < n; i++ {
			v, err := c.read()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad reply %q", line)
}

func eval(t *testing.T, c *conn, script string, h *Hold, args []any) []any {
	t.Helper()
	all := append([]any{"EVAL", script, len(h.Keys)}, anys(h.Keys)...)
	v, err := c.do(append(all, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v.([]any)
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func hashInt(t *testing.T, c *conn, key, field string) int64 {
	t.Helper()
	v, err := c.do("HGET", key, field)
	if err != nil {
		t.Fatal(err)
	}
	if v == nil {
		return 0
	}
	n, _ := strconv.ParseInt(v.(string), 10, 64)
	return n
}

func testHold(limitNanos int64, period string) *Hold {
	r := Rule{Consumer: "alice", Model: "gpt-4o", Period: period, Loc: time.UTC, LimitNanos: limitNanos}
	return NewHold([]Rule{r}, "alice", time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
}

func TestScriptsConcurrentReserveSettle(t *testing.T) {
	addr := startRedis(t)
	const est, limit = int64(1000), int64(10500)
	h := testHold(limit, "day")
	setup := dial(t, addr)
	if _, err := setup.do("HSET", h.Keys[0], "spent", 3000); err != nil { // nearly exhausted: room for 7
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ok []int
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := dial(t, addr)
			v, err := c.do(append(append([]any{"EVAL", ReserveScript, len(h.Keys)}, anys(h.Keys)...), h.ReserveArgs(1000, "req"+strconv.Itoa(i), est, 600000)...)...)
			if err != nil {
				t.Error(err)
				return
			}
			if v.([]any)[0].(int64) == 1 {
				mu.Lock()
				ok = append(ok, i)
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if len(ok) != 7 {
		t.Fatalf("%d of 50 reservations of %d against %d left got through, want 7", len(ok), est, limit-3000)
	}
	if got := hashInt(t, setup, h.Keys[0], "spent") + hashInt(t, setup, h.Keys[0], "reserved"); got > limit {
		t.Errorf("spent+reserved %d over the limit %d", got, limit)
	}
	// Settle in reverse order of reservation, concurrently; one had no usage (full reservation).
	want := int64(3000)
	for j := len(ok) - 1; j >= 0; j-- {
		actual := int64(100 * (j + 1))
		if j == 0 {
			actual = est
		}
		want += actual
		wg.Add(1)
		go func(id int, actual int64) {
			defer wg.Done()
			c := dial(t, addr)
			if _, err := c.do(append(append([]any{"EVAL", SettleScript, len(h.Keys)}, anys(h.Keys)...), h.SettleArgs("req"+strconv.Itoa(id), est, actual)...)...); err != nil {
				t.Error(err)
			}
		}(ok[j], actual)
	}
	wg.Wait()
	if got := hashInt(t, setup, h.Keys[0], "spent"); got != want || got > limit+est {
		t.Errorf("spent %d, want the sum of actual costs %d (limit %d)", got, want, limit)
	}
	if got := hashInt(t, setup, h.Keys[0], "reserved"); got != 0 {
		t.Errorf("reserved %d after every settle, want 0", got)
	}
	if got := hashInt(t, setup, h.Keys[0], "limit"); got != limit {
		t.Errorf("limit field %d, want %d", got, limit)
	}
}

func TestScriptsExpiryZeroPriceAndAllOrNone(t *testing.T) {
	addr := startRedis(t)
	c := dial(t, addr)
	h := testHold(5000, "month")
	if r := eval(t, c, ReserveScript, h, h.ReserveArgs(1000, "a", 4000, 600000)); r[0].(int64) != 1 {
		t.Fatalf("first reserve refused: %v", r)
	}
	if r := eval(t, c, ReserveScript, h, h.ReserveArgs(2000, "b", 4000, 600000)); r[0].(int64) != 0 {
		t.Fatalf("second reserve over the limit answered %v", r)
	}
	if r := eval(t, c, ReserveScript, h, h.ReserveArgs(2000, "free", 0, 600000)); r[0].(int64) != 1 {
		t.Errorf("a zero-price request was blocked: %v", r)
	}
	// After a's reservation expires, b gets the room.
	if r := eval(t, c, ReserveScript, h, h.ReserveArgs(1000+600000, "b", 4000, 600000)); r[0].(int64) != 1 {
		t.Fatalf("reserve after the first reservation expired refused: %v", r)
	}
	if got := hashInt(t, c, h.Keys[0], "reserved"); got != 4000 {
		t.Errorf("reserved %d, want only b's 4000", got)
	}
	// Settling the expired a only adds spent.
	eval(t, c, SettleScript, h, h.SettleArgs("a", 4000, 1500))
	if s, r := hashInt(t, c, h.Keys[0], "spent"), hashInt(t, c, h.Keys[0], "reserved"); s != 1500 || r != 4000 {
		t.Errorf("after settling an expired reservation spent %d reserved %d, want 1500 and 4000", s, r)
	}
	ttl, _ := c.do("TTL", h.Keys[0])
	if n := ttl.(int64); n <= 7*24*3600 {
		t.Errorf("counter TTL %d s, want beyond the period's end plus 7 days", n)
	}
	// Two budgets: the second without room refuses both.
	two := NewHold([]Rule{
		{Consumer: "bob", Period: "day", Loc: time.UTC, LimitNanos: 1e6},
		{Consumer: "bob", Model: "gpt-4o", Period: "month", Loc: time.UTC, LimitNanos: 10},
	}, "bob", time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	r := eval(t, c, ReserveScript, two, two.ReserveArgs(1000, "x", 100, 600000))
	if r[0].(int64) != 0 || r[1].(int64) != 2 {
		t.Errorf("reserve answered %v, want refused by budget 2", r)
	}
	if got := hashInt(t, c, two.Keys[0], "reserved"); got != 0 {
		t.Errorf("the budget with room reserved %d though the other refused", got)
	}
}
