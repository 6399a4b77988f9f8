package ratelimit

import (
	"testing"
	"time"

	"github.com/higress-ai/higress-ai/internal/usage"
)

// routes is a Policy: a config per route, "" for the global one.
type routes map[string]*Config

func (r routes) Limits(route string) *Config {
	if c, ok := r[route]; ok {
		return c
	}
	return r[""]
}

func mustParse(t *testing.T, doc string) *Config {
	t.Helper()
	c, err := Parse(parseYAML(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func rec(consumer string, at time.Duration, tokens int64) *usage.Record {
	return &usage.Record{Time: t0.Add(at), Consumer: consumer, Model: "gpt-4o-mini", Route: "chat", Status: 200,
		InputTokens: tokens / 2, OutputTokens: tokens - tokens/2, HasAILog: true, HasTokens: true, Duration: 1000, FirstToken: -1}
}

// One consumer at 1,000 tokens a minute sends 300 tokens every 10 s, each answered in 1 s. Worked
// out by hand from the plugin's rules (refuse only above the limit, charge after the response
// while not above it, the window starting at the first charge):
//
//	t=0   counter 0    allowed; charged at 1 s: 300, the window ends at 61 s
//	t=10  300          allowed -> 600
//	t=20  600          allowed -> 900
//	t=30  900          allowed -> 1200 (900 is not above 1000, so it is charged)
//	t=40, 50, 60  1200 refused
//	t=70  expired      allowed; charged at 71 s: 300, the window ends at 131 s
//	t=80..100          allowed -> 1200
//	t=110, 120, 130    refused
//	t=140 expired      allowed ...
func TestReplayFixedWindow(t *testing.T) {
	cfg := mustParse(t, `
rule_name: r
redis: {service_name: r.static}
rule_items:
- limit_by_consumer: ''
  limit_keys: [{key: alice, token_per_minute: 1000}]
`)
	r := NewReplay(routes{"": cfg}, nil)
	var refusedAt []int
	for i := 0; i < 15; i++ {
		before := r.refused.Requests
		r.Add(rec("alice", time.Duration(i)*10*time.Second, 300))
		if r.refused.Requests > before {
			refusedAt = append(refusedAt, i*10)
		}
	}
	r.Add(rec("bob", 0, 50000)) // no limit of bob's: never refused
	r.Finish()
	want := []int{40, 50, 60, 110, 120, 130}
	if len(refusedAt) != len(want) {
		t.Fatalf("refused at %v s, want %v", refusedAt, want)
	}
	for i := range want {
		if refusedAt[i] != want[i] {
			t.Fatalf("refused at %v s, want %v", refusedAt, want)
		}
	}
	res := r.Results()
	if len(res) != 2 || res[0].Consumer != "alice" || res[0].Refused != 6 || res[0].Requests != 15 {
		t.Fatalf("results %+v", res)
	}
	if res[0].TokensSaved != 6*300 || !res[0].FirstRefused.Equal(t0.Add(40*time.Second)) {
		t.Errorf("alice: saved %d tokens, first refusal %v; want 1800 at 40 s", res[0].TokensSaved, res[0].FirstRefused)
	}
	// gpt-4o-mini's built-in price: $0.15 per million input tokens, $0.60 per million output.
	wantPico := int64(6) * (150*150_000 + 150*600_000)
	if res[0].CostSavedPico != wantPico {
		t.Errorf("cost saved %d pUSD, want %d", res[0].CostSavedPico, wantPico)
	}
	if res[1].Consumer != "bob" || res[1].Refused != 0 {
		t.Errorf("bob: %+v", res[1])
	}
}

// Responses that end after later requests start are charged when they end, not when they start.
func TestReplayChargesAtResponseEnd(t *testing.T) {
	cfg := mustParse(t, `
rule_name: r
redis: {service_name: r.static}
global_threshold: {token_per_hour: 100}
`)
	r := NewReplay(routes{"": cfg}, nil)
	long := rec("alice", 0, 500)
	long.Duration = 30_000 // the first answer takes 30 s
	r.Add(long)
	r.Add(rec("bob", 10*time.Second, 10)) // starts while the first is still open: allowed
	r.Add(rec("carol", 40*time.Second, 10))
	r.Finish()
	got := map[string]int64{}
	for _, res := range r.Results() {
		got[res.Consumer] = res.Refused
	}
	if got["alice"] != 0 || got["bob"] != 0 || got["carol"] != 1 {
		t.Errorf("refused %v: want only carol, after the 500 tokens were charged at 30 s", got)
	}
}

func TestReplayRouteRulesAndMissingConsumer(t *testing.T) {
	global := mustParse(t, `
rule_name: r
redis: {service_name: r.static}
rule_items:
- limit_by_per_consumer: ''
  limit_keys: [{key: '*', token_per_minute: 10}]
`)
	r := NewReplay(routes{"": global, "open": nil}, nil)
	for i := 0; i < 3; i++ {
		at := time.Duration(i) * time.Second * 5
		r.Add(rec("alice", at, 100))
		o := rec("alice", at, 100)
		o.Route = "open" // a route whose rule has no limits
		r.Add(o)
		r.Add(rec(usage.Missing, at, 100)) // no consumer: the plugin cannot read the header, no item matches
	}
	r.Add(&usage.Record{Consumer: "alice"}) // no start time
	r.Finish()
	res := r.Results()
	byName := map[string]Result{}
	for _, x := range res {
		byName[x.Consumer] = x
	}
	if byName["alice"].Refused != 2 || byName["alice"].Requests != 6 {
		t.Errorf("alice: %+v; want 2 refused of 6 (the route without limits never refuses)", byName["alice"])
	}
	if byName[usage.Missing].Refused != 0 {
		t.Errorf("requests without a consumer were refused: %+v", byName[usage.Missing])
	}
	if r.Unplaced != 1 {
		t.Errorf("unplaced %d, want 1", r.Unplaced)
	}
}

func TestCountersSaturate(t *testing.T) {
	c := NewCounters()
	c.Charge("k", 1<<62, time.Hour, 1<<62, t0)
	c.Charge("k", 1<<62, time.Hour, 1<<62, t0)
	if v := c.Value("k", t0); v < 0 {
		t.Fatalf("counter overflowed to %d", v)
	}
}
