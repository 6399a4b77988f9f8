package usage

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
)

// TestEveryAIStatisticsReleaseShape reads testdata/gateway-releases.log: lines in the gateway's
// exact access-log format (every value a JSON string, "-" when empty, ai_log a JSON object
// encoded in a string) in each shape ai-statistics has written (read from its main.go at each
// release tag): v2.0.1-v2.0.4 wrote every ai_log value as a string; v2.0.5 on writes counts as
// numbers; v2.2 adds input_token_details and output_token_details as JSON strings of objects,
// and cached_tokens when configured; a consumer appears only through the consumer attribute, in
// ai_log or (as_separate_log_field) as a top-level field. The expected totals are summed here
// from this table, which says what each line holds, not by the code under test.
func TestEveryAIStatisticsReleaseShape(t *testing.T) {
	type want struct {
		consumer, model                  string
		input, output, cached, reasoning int64
		status                           int
		tokens                           bool // the provider reported usage
		firstToken                       float64
	}
	lines := []want{
		{"alice", "gpt-4o", 1200, 300, 0, 0, 200, true, -1},       // v2.0.1-v2.0.4: counts as strings
		{"alice", "gpt-4o", 2000, 500, 0, 0, 200, true, -1},       // v2.0.5+: numbers
		{"bob", "gpt-4o-mini", 800, 200, 0, 0, 200, true, 350},    // streamed
		{"bob", "gpt-4o", 1000, 100, 900, 40, 200, true, -1},      // details as JSON strings
		{"carol", "o3", 5000, 3000, 4000, 2500, 200, true, -1},    // details as objects
		{"carol", "gpt-4o-mini", 1000, 10, 500, 0, 200, true, -1}, // cached_tokens beside the details: once
		{"dave", "deepseek-chat", 3000, 700, 0, 0, 200, true, -1}, // top-level consumer
		{Missing, Missing, 0, 0, 0, 0, 401, false, -1},            // refused by key-auth, "ai_log":"-"
		{"alice", "gpt-4o", 0, 0, 0, 0, 429, false, -1},           // the provider's 429: no tokens, nothing charged
		{"dave", "gpt-4o", 0, 0, 0, 0, 200, false, -1},            // no usage reported: unpriced, never $0
	}
	// USD per million tokens: input, cached input, output (the test's own copy).
	price := map[string][3]float64{"gpt-4o": {2.50, 1.25, 10}, "gpt-4o-mini": {0.15, 0.075, 0.60},
		"o3": {2, 0.50, 8}, "deepseek-chat": {0.28, 0.028, 0.42}}

	var p Parser
	recs := fileLines(t, "testdata/gateway-releases.log")
	if len(recs) != len(lines) {
		t.Fatalf("%d lines, want %d", len(recs), len(lines))
	}
	type totals struct {
		requests, errors, input, output, cached, reasoning, unpriced int64
		cost                                                         float64
	}
	wantBy := map[string]*totals{}
	for i, w := range lines {
		r, kind := p.Parse(recs[i])
		if kind != Request || r.Consumer != w.consumer || r.Model != w.model || r.InputTokens != w.input || r.OutputTokens != w.output ||
			r.CachedTokens != w.cached || r.ReasoningTokens != w.reasoning || r.Status != w.status || r.HasTokens != w.tokens || r.FirstToken != w.firstToken {
			t.Errorf("line %d: %+v, want %+v", i+1, r, w)
		}
		tot := wantBy[w.consumer]
		if tot == nil {
			tot = &totals{}
			wantBy[w.consumer] = tot
		}
		tot.requests++
		tot.input += w.input
		tot.output += w.output
		tot.cached += w.cached
		tot.reasoning += w.reasoning
		switch pr, ok := price[w.model]; {
		case w.status >= 400:
			tot.errors++
		case !w.tokens || !ok:
			tot.unpriced++
		default:
			// Cached tokens are part of the input: charged at the cached price, not twice.
			tot.cost += (float64(w.input-w.cached)*pr[0] + float64(w.cached)*pr[1] + float64(w.output)*pr[2]) / 1e6
		}
	}

	agg := NewAggregator([]Dim{ByConsumer}, nil)
	src := FileSource{Path: "testdata/gateway-releases.log"}
	if err := Collect(context.Background(), []Source{src}, false, Filter{}, agg); err != nil {
		t.Fatal(err)
	}
	if agg.NoConsumer() {
		t.Error("consumers were there, yet NoConsumer")
	}
	groups := agg.Groups()
	if len(groups) != len(wantBy) {
		t.Fatalf("%d groups, want %d", len(groups), len(wantBy))
	}
	for _, g := range groups {
		w := wantBy[g.Keys[0]]
		got := totals{g.Requests, g.Errors, g.InputTokens, g.OutputTokens, g.CachedTokens, g.ReasoningTokens, g.UnpricedRequests, g.CostUSD()}
		if w == nil || math.Abs(got.cost-w.cost) > 1e-9 {
			t.Fatalf("%q: %+v, want %+v", g.Keys[0], got, w)
		}
		got.cost = w.cost
		if got != *w {
			t.Errorf("%q: %+v, want %+v", g.Keys[0], got, *w)
		}
	}
	// The request without usage is unpriced: dave's group has a cost, and one unpriced request.
	if d := wantBy["dave"]; d.unpriced != 1 || d.cost == 0 {
		t.Fatalf("the table itself: dave %+v", d)
	}
}

// TestNoConsumerAnywhere: AI traffic without any consumer is said, not booked under a name.
func TestNoConsumerAnywhere(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  string
		want bool
	}{
		{"stock gateway", `{"ai_log":"{\"model\":\"gpt-4o\",\"input_token\":10,\"output_token\":1}","response_code":"200"}` + "\n" +
			`{"ai_log":"-","response_code":"401"}`, true},
		{"consumer in ai_log", `{"ai_log":"{\"consumer\":\"a\",\"model\":\"gpt-4o\"}","response_code":"200"}` + "\n" +
			`{"ai_log":"{\"model\":\"gpt-4o\"}","response_code":"200"}`, false},
		{"top-level consumer", `{"ai_log":"{\"model\":\"gpt-4o\"}","response_code":"200","consumer":"a"}`, false},
		{"no AI traffic", `{"ai_log":"-","response_code":"200"}` + "\n" + `{"response_code":"404"}`, false},
	} {
		agg := NewAggregator([]Dim{ByConsumer}, nil)
		for _, l := range splitLines(tc.log) {
			agg.AddLine(l)
		}
		if agg.NoConsumer() != tc.want {
			t.Errorf("%s: NoConsumer %v, want %v", tc.name, agg.NoConsumer(), tc.want)
		}
	}
}

// fileLines returns a test file's lines.
func fileLines(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return splitLines(string(b))
}

func splitLines(s string) [][]byte {
	var out [][]byte
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		out = append(out, []byte(l))
	}
	return out
}
