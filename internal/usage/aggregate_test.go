package usage

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/higress-ai/higress-ai/internal/usage/usagetest"
)

// listPrice is the test's own copy of the list prices it relies on (USD per million: input, cached
// input, output), so costs are computed here without the code under test.
var listPrice = map[string][3]float64{
	"gpt-4o":            {2.50, 1.25, 10},
	"gpt-4o-2024-08-06": {2.50, 1.25, 10}, // priced as gpt-4o: the date suffix is removed
	"gpt-4o-mini":       {0.15, 0.075, 0.60},
	"deepseek-chat":     {0.28, 0.028, 0.42},
	"qwen-plus":         {0.40, 0.40, 1.20}, // no cached price: cached input costs as input
}

func TestTotalsOfAGeneratedLogAreExact(t *testing.T) {
	var buf bytes.Buffer
	truth, err := usagetest.Write(&buf, 20000, 7)
	if err != nil {
		t.Fatal(err)
	}
	agg := NewAggregator([]Dim{ByConsumer, ByModel}, nil)
	src := FileSource{Path: "-", Stdin: &buf}
	if err := Collect(context.Background(), []Source{src}, false, Filter{}, agg); err != nil {
		t.Fatal(err)
	}
	if agg.Skipped != int64(truth.Skipped) {
		t.Fatalf("skipped %d, wrote %d garbage lines", agg.Skipped, truth.Skipped)
	}
	groups := agg.Groups()
	if len(groups) != len(truth.ByConsumerModel) {
		t.Fatalf("%d groups, want %d", len(groups), len(truth.ByConsumerModel))
	}
	var requests int64
	for _, g := range groups {
		want := truth.ByConsumerModel[[2]string{g.Keys[0], g.Keys[1]}]
		if want == nil {
			t.Fatalf("unexpected group %v", g.Keys)
		}
		got := usagetest.Totals{Requests: g.Requests, Errors: g.Errors, Input: g.InputTokens, Output: g.OutputTokens, Cached: g.CachedTokens, Reasoning: g.ReasoningTokens}
		if got != *want {
			t.Fatalf("%v: got %+v, want %+v", g.Keys, got, *want)
		}
		requests += g.Requests
		model := g.Keys[1]
		p, priced := listPrice[model]
		switch {
		case priced:
			cost := (float64(want.Input-want.Cached)*p[0] + float64(want.Cached)*p[1] + float64(want.Output)*p[2]) / 1e6
			if math.Abs(g.CostUSD()-cost) > 1e-9 || g.UnpricedRequests != 0 {
				t.Fatalf("%v: cost %.9f (unpriced %d), want %.9f", g.Keys, g.CostUSD(), g.UnpricedRequests, cost)
			}
		case model == "llama-local":
			// No built-in price: every request is unpriced, never $0.
			if g.UnpricedRequests != g.Requests || g.CostUSD() != 0 || g.Priced() {
				t.Fatalf("%v: unpriced %d cost %f", g.Keys, g.UnpricedRequests, g.CostUSD())
			}
		}
	}
	if requests != int64(truth.Lines-truth.Skipped-truth.Blank) {
		t.Fatalf("%d requests from %d lines (%d skipped, %d blank)", requests, truth.Lines, truth.Skipped, truth.Blank)
	}
}

func TestPricesFileOverridesAndExtends(t *testing.T) {
	p := BuiltinPrices()
	for _, model := range []string{"llama-local", "gpt-4o-2024-0806", "gpt-4o-123", "2024-08-06", "gpt-4o-2024-08-06x"} {
		if _, ok := p.Lookup(model); ok {
			t.Fatalf("%s priced by default", model)
		}
	}
	for model, want := range map[string]float64{"gpt-4o": 2.5, "openai/gpt-4o-2024-08-06": 2.5, "GPT-4o-mini": 0.15, "deepseek/deepseek-chat": 0.28, "gpt-3.5-turbo-0125": 0.5, "gpt-4o-20240806": 2.5, "GPT-4O-MINI-2024-07-18": 0.15} {
		if got, ok := p.Lookup(model); !ok || got.Input != want {
			t.Errorf("Lookup(%q) = %+v %v, want input %v", model, got, ok, want)
		}
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "prices.yaml")
	write(t, file, "models:\n  llama-local: {input: 0, output: 0}\n  gpt-4o: {input: 2, output: 8, cached_input: 1}\n")
	if err := p.LoadFile(file); err != nil {
		t.Fatal(err)
	}
	if got, ok := p.Lookup("llama-local"); !ok || got.Cost(1000, 0, 1000) != 0 {
		t.Fatalf("llama-local: %+v %v", got, ok)
	}
	if got, _ := p.Lookup("gpt-4o"); got.Cost(1e6, 5e5, 1e6) != 1+0.5+8 {
		t.Fatalf("gpt-4o override: %+v", got)
	}
	for _, bad := range []string{"models: {x: {input: 1}}", "models: {x: {input: -1, output: 1}}", "models: {x: {input: 1, output: 1, extra: 2}}", "{}", "not: [valid"} {
		write(t, file, bad)
		if err := BuiltinPrices().LoadFile(file); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if err := BuiltinPrices().LoadFile(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("accepted a missing file")
	}
}

func TestDimsAndFilter(t *testing.T) {
	if _, err := ParseDims([]string{"consumer", "cost"}); err == nil {
		t.Fatal("unknown dimension accepted")
	}
	if _, err := ParseDims([]string{"model", "MODEL"}); err == nil {
		t.Fatal("dimension twice accepted")
	}
	dims, err := ParseDims([]string{"day", "status"})
	if err != nil {
		t.Fatal(err)
	}
	agg := NewAggregator(dims, nil)
	for _, l := range []string{
		`{"start_time":"2026-11-20T23:59:59.999Z","response_code":"200"}`,
		`{"start_time":"2026-11-21T00:00:00.000Z","response_code":"200"}`,
		`{"start_time":"2026-11-21T08:00:00.000Z","response_code":"500"}`,
		`{"response_code":"-"}`,
	} {
		agg.AddLine([]byte(l))
	}
	var got [][]string
	for _, g := range agg.Groups() {
		got = append(got, g.Keys)
	}
	want := [][]string{{"2026-11-20", "200"}, {"2026-11-21", "200"}, {"2026-11-21", "500"}, {Missing, Missing}}
	if len(got) != len(want) {
		t.Fatalf("groups %v", got)
	}
	for i := range want {
		if got[i][0] != want[i][0] || got[i][1] != want[i][1] {
			t.Fatalf("groups %v, want %v", got, want)
		}
	}
}

// Unknown tokens or an unknown price are never a cost of $0: only known tokens of a priced model
// are priced (0 tokens included), and a failed request without tokens called no model.
func TestNeverASilentZero(t *testing.T) {
	const (
		priced   = "priced"
		unpriced = "unpriced"
		nothing  = "nothing to price"
	)
	ai := func(fields, status string) string {
		b, _ := json.Marshal(map[string]string{"ai_log": "{" + fields + "}", "response_code": status})
		return string(b)
	}
	cases := []struct {
		name, line, want string
		cost             float64
	}{
		{"no ai_log", `{"response_code":"200"}`, unpriced, 0},
		{"no ai_log, refused", `{"response_code":"401"}`, nothing, 0},
		{"empty ai_log", `{"ai_log":"-","response_code":"200"}`, unpriced, 0},
		{"ai_log without token counts", ai(`"model":"gpt-4o","consumer":"alice"`, "200"), unpriced, 0},
		{"ai_log without token counts, failed", ai(`"model":"gpt-4o"`, "503"), nothing, 0},
		{"token counts not counts", ai(`"model":"gpt-4o","input_token":"-","output_token":null`, "200"), unpriced, 0},
		{"0 tokens of a priced model", ai(`"model":"gpt-4o","input_token":0,"output_token":0`, "200"), priced, 0},
		{"0 tokens of a priced model, failed", ai(`"model":"gpt-4o","input_token":"0","output_token":"0"`, "500"), priced, 0},
		{"0 tokens of a model without a price", ai(`"model":"llama-local","input_token":0,"output_token":0`, "200"), unpriced, 0},
		{"0 tokens of a model without a price, failed", ai(`"model":"llama-local","input_token":0,"output_token":0`, "500"), unpriced, 0},
		{"tokens of a model without a price", ai(`"model":"llama-local","input_token":10,"output_token":5`, "200"), unpriced, 0},
		{"tokens without a model", ai(`"input_token":10,"output_token":5`, "200"), unpriced, 0},
		{"tokens of a priced model", ai(`"model":"gpt-4o","input_token":1000000,"output_token":100000`, "200"), priced, 3.5},
		{"input tokens only", ai(`"model":"gpt-4o","input_token":1000000`, "200"), priced, 2.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			agg := NewAggregator([]Dim{ByModel}, nil)
			agg.AddLine([]byte(tc.line))
			groups := agg.Groups()
			if len(groups) != 1 {
				t.Fatalf("%d groups from %s", len(groups), tc.line)
			}
			g := groups[0]
			got := nothing
			switch {
			case g.PricedRequests == 1 && g.UnpricedRequests == 0:
				got = priced
			case g.PricedRequests == 0 && g.UnpricedRequests == 1:
				got = unpriced
			case g.PricedRequests != 0 || g.UnpricedRequests != 0:
				t.Fatalf("priced %d unpriced %d", g.PricedRequests, g.UnpricedRequests)
			}
			if got != tc.want || math.Abs(g.CostUSD()-tc.cost) > 1e-9 || g.Priced() != (tc.want != unpriced) {
				t.Fatalf("%s, cost %v, Priced() %v; want %s, cost %v", got, g.CostUSD(), g.Priced(), tc.want, tc.cost)
			}
		})
	}
}

// A report's costs must not depend on how its lines were split between cores: the same records
// summed in any split and merge order give the same cost to the last digit.
func TestCostIsTheSameInAnySplit(t *testing.T) {
	var buf bytes.Buffer
	if _, err := usagetest.Write(&buf, 3000, 11); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(buf.Bytes(), []byte("\n"))
	whole := NewAggregator([]Dim{ByConsumer}, nil)
	for _, l := range lines {
		whole.AddLine(l)
	}
	for _, parts := range []int{2, 3, 7} {
		merged := NewAggregator([]Dim{ByConsumer}, nil)
		for p := parts - 1; p >= 0; p-- { // merged in reverse, lines dealt round-robin
			a := NewAggregator([]Dim{ByConsumer}, nil)
			for i := p; i < len(lines); i += parts {
				a.AddLine(lines[i])
			}
			merged.Merge(a)
		}
		for i, g := range merged.Groups() {
			if w := whole.Groups()[i]; g.CostUSD() != w.CostUSD() || g.CostUSD() == 0 {
				t.Fatalf("%d parts, %v: cost %.15f, in one pass %.15f", parts, g.Keys, g.CostUSD(), w.CostUSD())
			}
		}
	}
}

// Absurd token counts saturate at the largest int64: never a negative total or cost, in one
// group, across merged parts, in a report's total and in one request's cost.
func TestSumsSaturateNeverNegative(t *testing.T) {
	huge := `{"ai_log":"{\"consumer\":\"alice\",\"model\":\"o1\",\"input_token\":999999999999999,\"output_token\":\"999999999999999\"}","response_code":"200"}`
	var text strings.Builder
	for range 20000 { // 2e19 tokens of each kind: more than an int64 holds
		text.WriteString(huge + "\n")
	}
	agg := NewAggregator([]Dim{ByConsumer}, nil)
	src := FileSource{Path: "-", Stdin: strings.NewReader(text.String())}
	// Small batches: the lines are summed on every core and the parts merged.
	if err := collectBatched(context.Background(), []Source{src}, false, Filter{}, agg, 4096); err != nil {
		t.Fatal(err)
	}
	g := agg.Groups()[0]
	if g.InputTokens != math.MaxInt64 || g.OutputTokens != math.MaxInt64 || g.CostPico != math.MaxInt64 || g.CostUSD() <= 0 {
		t.Fatalf("group %+v", g)
	}
	rows := NewRows([]Dim{ByConsumer}, []*Group{g, g})
	total := Total(rows)
	if total.InputTokens != math.MaxInt64 || total.OutputTokens != math.MaxInt64 || *total.CostUSD <= 0 {
		t.Fatalf("total %+v", total)
	}
	r := Record{Model: "o1", HasTokens: true, InputTokens: math.MaxInt64, OutputTokens: math.MaxInt64}
	if pico, pricing := BuiltinPrices().Request(&r); pricing != Priced || pico != math.MaxInt64 {
		t.Fatalf("one request: %d %v", pico, pricing)
	}
}

func TestPricesFileErrorsAreOneLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), "prices.yaml")
	for _, tc := range []struct{ text, want string }{
		{"models:\n  a: {input: 1, output: 1}\n  a: {input: 2, output: 2}\n", file + `: line 3: key "a" already set in map`},
		{"models:\n  a: {input: 1, output: 1, input: 3}\n", file + `: line 2: key "input" already set in map`},
		{"models:\n  a: {input: 1, output: 1}\n  a: {}\n  b: {}\n  b: {}\n", file + `: line 3: key "a" already set in map; line 5: key "b" already set in map`},
	} {
		write(t, file, tc.text)
		if err := BuiltinPrices().LoadFile(file); err == nil || err.Error() != tc.want {
			t.Errorf("%q: %v, want %q", tc.text, err, tc.want)
		}
	}
}
