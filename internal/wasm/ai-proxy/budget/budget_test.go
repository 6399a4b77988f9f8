package budget

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestPeriodVectors(t *testing.T) {
	var cases []struct{ Name, Instant, Period, TimeZone, Start, End string }
	readJSON(t, "testdata/periods.json", &cases)
	if len(cases) < 20 {
		t.Fatalf("only %d period vectors", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, c.Instant)
			if err != nil {
				t.Fatal(err)
			}
			loc, err := time.LoadLocation(c.TimeZone)
			if err != nil {
				t.Fatal(err)
			}
			start, end := Period(at, c.Period, loc)
			if got := start.Format(time.RFC3339); got != c.Start {
				t.Errorf("start %s, want %s", got, c.Start)
			}
			if got := end.Format(time.RFC3339); got != c.End {
				t.Errorf("end %s, want %s", got, c.End)
			}
		})
	}
}

func TestLookupVectors(t *testing.T) {
	var v struct {
		Prices json.RawMessage
		Cases  []struct {
			Model         string
			Found         bool
			Input, Output float64
		}
	}
	readJSON(t, "testdata/lookup.json", &v)
	prices, err := ParsePrices(v.Prices)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range v.Cases {
		got, ok := prices.Lookup(c.Model)
		if ok != c.Found || got.Input != c.Input || got.Output != c.Output {
			t.Errorf("Lookup(%q) = %+v, %v; want input %v output %v, %v", c.Model, got, ok, c.Input, c.Output, c.Found)
		}
	}
}

func TestCostNanos(t *testing.T) {
	cached := 1.25
	gpt4o := Price{Input: 2.5, Output: 10, CachedInput: &cached}
	for _, c := range []struct {
		name                  string
		p                     Price
		input, cached, output int64
		want                  int64
	}{
		{"input and output", gpt4o, 1000, 0, 500, 2500*1000 + 10000*500},
		{"cached input at its price", gpt4o, 1000, 400, 0, 600*2500 + 400*1250},
		{"a fraction of a nano rounds up", Price{Input: 0.0001}, 3, 0, 0, 1},
		{"tenths do not drift", Price{Input: 0.1, Output: 0.3}, 3, 0, 7, 300 + 2100},
		{"zero price is free", Price{}, 100000, 0, 100000, 0},
	} {
		if got := c.p.Cost(c.input, c.cached, c.output); got != c.want {
			t.Errorf("%s: cost %d, want %d", c.name, got, c.want)
		}
	}
	if got, want := gpt4o.Estimate(400, 100, 2), int64(400*2500+200*10000); got != want {
		t.Errorf("estimate %d, want %d", got, want)
	}
	// The contract rounds the input and the output part up each.
	if got, want := (Price{Input: 0.0001, Output: 0.0001}).Estimate(3, 3, 1), int64(2); got != want {
		t.Errorf("estimate %d, want %d", got, want)
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	base := `"redis":{"service_name":"redis.svc"}`
	for _, c := range []struct{ json, field string }{
		{`{}`, "budgets.redis.service_name"},
		{`{` + base + `,"failMode":"maybe"}`, "budgets.failMode"},
		{`{` + base + `,"unpriced":"fallback"}`, "budgets.fallbackPrice"},
		{`{` + base + `,"rules":[{"consumer":"a","usd":0,"period":"day"}]}`, "budgets.rules[0].usd"},
		{`{` + base + `,"rules":[{"consumer":"a","usd":1,"period":"year"}]}`, "budgets.rules[0].period"},
		{`{` + base + `,"rules":[{"consumer":"a","usd":1,"period":"day","timeZone":"Mars/Base"}]}`, "budgets.rules[0].timeZone"},
		{`{` + base + `,"rules":[{"consumer":"a","usd":1,"period":"day","soft":100}]}`, "budgets.rules[0].soft"},
		{`{` + base + `,"rules":[{"consumer":"a","usd":1,"period":"day"},{"consumer":"a","usd":2,"period":"day"}]}`, "budgets.rules[1]"},
		{`{` + base + `,"rules":[{"usd":1,"period":"day"}]}`, "budgets.rules[0].consumer"},
	} {
		_, err := Parse(json.RawMessage(c.json))
		if err == nil || !strings.HasPrefix(err.Error(), c.field+":") {
			t.Errorf("Parse(%s) = %v, want an error naming %s", c.json, err, c.field)
		}
	}
}

func TestAppliesDefaultPerConsumer(t *testing.T) {
	c, err := Parse(json.RawMessage(`{"redis":{"service_name":"r"},"rules":[
	 {"consumer":"alice","model":"gpt-4o","usd":50,"period":"month","timeZone":"Europe/Berlin","soft":80},
	 {"consumer":"alice","usd":80,"period":"month"},
	 {"consumer":"*","usd":10,"period":"day"},
	 {"consumer":"*","usd":100,"period":"month"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	names := func(rs []Rule) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.Consumer+"/"+r.Model+"/"+r.Period)
		}
		return strings.Join(s, " ")
	}
	for _, c2 := range []struct{ consumer, model, want string }{
		{"alice", "gpt-4o", "alice/gpt-4o/month alice//month *//day"},
		{"alice", "gpt-4o-mini", "alice//month *//day"},
		{"bob", "gpt-4o", "*//day *//month"},
		{"", "gpt-4o", "*//day *//month"},
	} {
		if got := names(c.Applies(c2.consumer, c2.model)); got != c2.want {
			t.Errorf("Applies(%q, %q) = %q, want %q", c2.consumer, c2.model, got, c2.want)
		}
	}
	start, _ := Period(time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "month", c.Rules[0].Loc)
	if got, want := Key(c.Rules[0], "alice", start), "higress-ai:budget:{alice}:gpt-4o:month:2027-01-01"; got != want {
		t.Errorf("key %q, want %q", got, want)
	}
	if got, want := Key(c.Rules[2], "", start), "higress-ai:budget:{-}:*:day:2027-01-01"; got != want {
		t.Errorf("key %q, want %q", got, want)
	}
	if c.Rules[0].LimitNanos != 50e9 {
		t.Errorf("limit %d nano-USD, want 50e9", c.Rules[0].LimitNanos)
	}
}
