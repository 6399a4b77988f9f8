package usage

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestMakeReportFromFilesSortsAndTotals(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	// alice: 2 requests of gpt-4o (1,000,000 in + 0 out, 0 in + 100,000 out: $2.50 + $1.00);
	// bob: 3 requests of an unpriced model.
	write(t, a, line("alice", "gpt-4o", 1000000, 0, "2026-11-20T10:00:00Z")+"\n"+line("bob", "llama-local", 5, 5, "2026-11-20T10:00:00Z")+"\n")
	write(t, b, line("alice", "gpt-4o", 0, 100000, "2026-11-20T11:00:00Z")+"\nnot json\n"+
		line("bob", "llama-local", 5, 5, "2026-11-20T11:00:00Z")+"\n"+line("bob", "llama-local", 5, 5, "2026-11-21T11:00:00Z")+"\n")
	for _, tc := range []struct {
		sort  SortKey
		first string
	}{{SortCost, "alice"}, {SortRequests, "bob"}, {SortTokens, "alice"}, {SortName, "alice"}} {
		rep, err := MakeReport(context.Background(), ReportOptions{Sources: SourceOptions{LogFiles: []string{a, b}}, By: []Dim{ByConsumer}, Sort: tc.sort})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Rows) != 2 || rep.Rows[0].Keys[0] != tc.first || rep.Skipped != 1 {
			t.Fatalf("sort %s: rows %+v, skipped %d", tc.sort, rep.Rows, rep.Skipped)
		}
		total := rep.Total()
		if total.Requests != 5 || total.InputTokens != 1000015 || total.OutputTokens != 100015 || total.CostUSD == nil ||
			*total.CostUSD != 3.5 || total.UnpricedRequests != 3 {
			t.Fatalf("total %+v", total)
		}
	}
	rep, err := MakeReport(context.Background(), ReportOptions{Sources: SourceOptions{LogFiles: []string{a, b}}, By: []Dim{ByModel, ByDay}, Sort: SortName})
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(rep.Rows)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), `[{"model":"gpt-4o","day":"2026-11-20","requests":2,"errors":0,"input_tokens":1000000,"output_tokens":100000,"cached_tokens":0,"reasoning_tokens":0,"cost_usd":3.5,"unpriced_requests":0,"latency_p50_ms":`) {
		t.Fatalf("json: %s", out)
	}
	for _, r := range rep.Rows {
		if len(r.Values()) != len(Columns(r.By)) {
			t.Fatalf("%d values for %d columns", len(r.Values()), len(Columns(r.By)))
		}
	}
}

func TestSourceOptionsRefuseWhatCannotBeRead(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.log")
	for _, tc := range []struct {
		files []string
		want  string
	}{
		{[]string{missing}, "cannot read log file " + missing + ": no such file or directory"},
		{[]string{"-", dir}, "cannot read log file " + dir + ": is a directory"},
		{[]string{"-", "-"}, ErrStdinTwice.Error()},
	} {
		_, err := SourceOptions{LogFiles: tc.files}.Sources()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v: %v, want %q", tc.files, err, tc.want)
		}
	}
	if _, err := (SourceOptions{LogFiles: []string{"-", "-"}}).Sources(); !errors.Is(err, ErrStdinTwice) {
		t.Errorf("two stdins: %v", err)
	}
	if _, err := (SourceOptions{}).Sources(); err == nil {
		t.Error("no files and no cluster accepted")
	}
	if _, err := ParseSort("alpha"); err == nil {
		t.Error("sort alpha accepted")
	}
	if _, err := LoadPrices(missing); err == nil || !strings.Contains(err.Error(), missing) || strings.Contains(err.Error(), "\n") {
		t.Errorf("missing prices file: %v", err)
	}
}
