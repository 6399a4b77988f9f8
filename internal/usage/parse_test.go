package usage

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseLineShapes(t *testing.T) {
	cases := []struct {
		name string
		line string
		kind LineKind
		want Record
	}{
		{
			name: "current gateway: counts as numbers",
			line: `{"ai_log":"{\"model\":\"gpt-4o\",\"input_token\":120,\"output_token\":30,\"total_token\":150,\"consumer\":\"alice\",\"llm_first_token_duration\":212,\"response_type\":\"stream\",\"cached_tokens\":100}","authority":"ai.example.com","duration":"842","response_code":"200","route_name":"gpt-4o","start_time":"2026-11-20T10:00:00.123Z"}`,
			want: Record{Consumer: "alice", Model: "gpt-4o", Route: "gpt-4o", Status: 200, InputTokens: 120, OutputTokens: 30, CachedTokens: 100, HasAILog: true, HasTokens: true, Duration: 842, FirstToken: 212,
				Time: time.Date(2026, 11, 20, 10, 0, 0, 123e6, time.UTC)},
		},
		{
			name: "older ai-statistics: counts as strings, no consumer",
			line: `{"ai_log":"{\"model\":\"qwen-plus\",\"input_token\":\"7\",\"output_token\":\"9\"}","response_code":"429","route_name":"qwen","duration":"-"}`,
			want: Record{Consumer: Missing, Model: "qwen-plus", Route: "qwen", Status: 429, InputTokens: 7, OutputTokens: 9, HasAILog: true, HasTokens: true, Duration: -1, FirstToken: -1},
		},
		{
			name: "token counts of 0: known, not absent",
			line: `{"ai_log":"{\"model\":\"llama-local\",\"input_token\":0,\"output_token\":\"0\"}","response_code":"200"}`,
			want: Record{Consumer: Missing, Model: "llama-local", Route: Missing, Status: 200, HasAILog: true, HasTokens: true, Duration: -1, FirstToken: -1},
		},
		{
			name: "ai_log without token counts: tokens unknown",
			line: `{"ai_log":"{\"model\":\"gpt-4o\",\"consumer\":\"alice\",\"cached_tokens\":5}","response_code":"200"}`,
			want: Record{Consumer: "alice", Model: "gpt-4o", Route: Missing, Status: 200, CachedTokens: 0, HasAILog: true, Duration: -1, FirstToken: -1},
		},
		{
			name: "token fields that are not counts: tokens unknown",
			line: `{"ai_log":"{\"model\":\"gpt-4o\",\"input_token\":null,\"output_token\":\"-\",\"total_token\":-3}","response_code":"200"}`,
			want: Record{Consumer: Missing, Model: "gpt-4o", Route: Missing, Status: 200, HasAILog: true, Duration: -1, FirstToken: -1},
		},
		{
			name: "one token count known",
			line: `{"ai_log":"{\"model\":\"text-embedding-3-small\",\"input_token\":12}","response_code":"200"}`,
			want: Record{Consumer: Missing, Model: "text-embedding-3-small", Route: Missing, Status: 200, InputTokens: 12, HasAILog: true, HasTokens: true, Duration: -1, FirstToken: -1},
		},
		{
			name: "ai_log empty as dash",
			line: `{"ai_log":"-","response_code":"200","route_name":"-"}`,
			want: Record{Consumer: Missing, Model: Missing, Route: Missing, Status: 200, Duration: -1, FirstToken: -1},
		},
		{
			name: "gateway before v2.0.5: no ai_log",
			line: `{"authority":"x","response_code":"503","duration":"12","route_name":"r"}`,
			want: Record{Consumer: Missing, Model: Missing, Route: "r", Status: 503, Duration: 12, FirstToken: -1},
		},
		{
			name: "ai_log as an object, escaped unicode, spaces",
			line: " { \"ai_log\" : {\"model\":\"deepseek\\u002dchat\",\"consumer\":\"\\u00e9quipe\",\"output_token\":1e2} , \"response_code\" : \"-\" }\r",
			want: Record{Consumer: "équipe", Model: "deepseek-chat", Route: Missing, OutputTokens: 100, HasAILog: true, HasTokens: true, Duration: -1, FirstToken: -1},
		},
		{
			name: "ai_log that is not an object: as if absent",
			line: `{"ai_log":"{broken","response_code":"200"}`,
			want: Record{Consumer: Missing, Model: Missing, Route: Missing, Status: 200, Duration: -1, FirstToken: -1},
		},
		{name: "blank", line: "   \t", kind: Blank},
		{name: "empty", line: "", kind: Blank},
		{name: "envoy text", line: "[2026-11-20 10:00:00.000][wasm] log", kind: Skipped},
		{name: "array", line: `[{"ai_log":"-"}]`, kind: Skipped},
		{name: "truncated", line: `{"ai_log":"{\"model\":\"gpt-4o\"}","response_code":"2`, kind: Skipped},
		{name: "trailing garbage", line: `{"response_code":"200"} x`, kind: Skipped},
		{name: "two objects", line: `{"a":"1"}{"b":"2"}`, kind: Skipped},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, kind := ParseLine([]byte(tc.line))
			if kind != tc.kind {
				t.Fatalf("kind = %v, want %v", kind, tc.kind)
			}
			if kind == Request && got != tc.want {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// refRecord is what reference reads from a line.
type refRecord struct {
	consumer, model string
	in, out         int64
	hasTokens       bool
	status          int
}

// reference parses a line with encoding/json: the independent reading the fast scanner must agree with.
func reference(line []byte) (refRecord, LineKind) {
	if len(bytes.Trim(line, " \t\r\n")) == 0 {
		return refRecord{}, Blank
	}
	var top map[string]any
	if err := json.Unmarshal(line, &top); err != nil {
		return refRecord{}, Skipped
	}
	r := refRecord{consumer: Missing, model: Missing}
	count := func(m map[string]any, k string) (int64, bool) {
		switch v := m[k].(type) {
		case float64:
			if v >= 0 && v <= 1e15 {
				return int64(v), true
			}
		case string:
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1e15 {
				return int64(f), true
			}
		}
		return 0, false
	}
	status, _ := count(top, "response_code")
	r.status = int(status)
	var ai map[string]any
	switch v := top["ai_log"].(type) {
	case string:
		if json.Unmarshal([]byte(v), &ai) != nil {
			ai = nil
		}
	case map[string]any:
		ai = v
	}
	name := func(m map[string]any, k string) string {
		if s, ok := m[k].(string); ok && s != "" && s != "-" {
			return s
		}
		return Missing
	}
	// The consumer from ai_log, else from a top-level field (as_separate_log_field).
	if ai != nil {
		r.consumer, r.model = name(ai, "consumer"), name(ai, "model")
	}
	if r.consumer == Missing {
		r.consumer = name(top, "consumer")
	}
	if ai == nil {
		return r, Request
	}
	var hasIn, hasOut bool
	r.in, hasIn = count(ai, "input_token")
	r.out, hasOut = count(ai, "output_token")
	r.hasTokens = hasIn || hasOut
	return r, Request
}

// FuzzParseLine reads arbitrary bytes through the real read path: standard input's line
// scanning (with a read buffer of 16 to 271 bytes, so that lines longer than it are put
// together), CRLF endings, a final line without a newline, gzip, and Collect's batches (of 1 to
// 4,096 bytes) parsed on every core. It holds the totals to an independent reading (the data
// split on "\n", each line read by encoding/json): nothing counted twice or lost. And the
// scanner agrees with encoding/json on the data taken as one line.
func FuzzParseLine(f *testing.F) {
	long := `{"ai_log":"{\"model\":\"gpt-4o\",\"input_token\":120,\"output_token\":30,\"consumer\":\"alice\"}","user_agent":"` + strings.Repeat("x", 600) + `","response_code":"200"}`
	for _, s := range []string{
		`{"ai_log":"{\"model\":\"gpt-4o\",\"input_token\":120,\"output_token\":30,\"consumer\":\"alice\"}","response_code":"200"}`,
		`{"ai_log":"{\"model\":\"q\",\"input_token\":\"7\"}","response_code":"429"}`,
		`{"ai_log":"-","response_code":"200"}`,
		`{"response_code":"503"}`,
		`{"ai_log":"{\"model\":\"gpt-4o\",\"input_token_details\":\"{\\\"cached_tokens\\\":9}\"}","consumer":"carol"}`,
		`{"a":[1,2,{"b":null}],"c":true,"d":-0.5e+3}`,
		"[1]", "", "not json", `{"x":"\ud83d\ude00"}`,
		long + "\n" + long + "\r\n\n" + long,
		"{\"response_code\":\"200\"}\r\n\r\nnot json\r\n{\"ai_log\":{\"input_token\":1}}",
		"\n\n\r\n",
	} {
		f.Add([]byte(s), uint8(0), uint16(0), false)
		f.Add([]byte(s), uint8(7), uint16(100), true)
	}
	// One gzip writer for all inputs (a new one allocates over 1 MB): the fuzz function runs
	// on one goroutine of each fuzzing process.
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	f.Fuzz(func(t *testing.T, data []byte, bufSize uint8, batchBytes uint16, gz bool) {
		input := data
		if gz {
			zbuf.Reset()
			zw.Reset(&zbuf)
			zw.Write(data)
			zw.Close()
			input = zbuf.Bytes()
		}
		agg := NewAggregator([]Dim{ByConsumer, ByModel}, nil)
		src := FileSource{Path: "-", Stdin: bytes.NewReader(input), bufSize: 16 + int(bufSize)}
		err := collectBatched(context.Background(), []Source{src}, false, Filter{}, agg, 1+int(batchBytes)%4096)
		if !gz && bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			return // read as gzip, which it is likely not: an error, not a panic, is all to check
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}

		// The independent reading.
		lines := bytes.Split(data, []byte("\n"))
		if len(lines[len(lines)-1]) == 0 {
			lines = lines[:len(lines)-1] // the data's final newline, or no data
		}
		type totals struct{ requests, input, output int64 }
		var want totals
		var wantSkipped int64
		wantGroups := map[[2]string]totals{}
		for _, l := range lines {
			ref, kind := reference(bytes.TrimSuffix(l, []byte("\r")))
			switch kind {
			case Skipped:
				wantSkipped++
			case Request:
				want.requests, want.input, want.output = want.requests+1, want.input+ref.in, want.output+ref.out
				k := [2]string{ref.consumer, ref.model}
				g := wantGroups[k]
				wantGroups[k] = totals{g.requests + 1, g.input + ref.in, g.output + ref.out}
			}
		}
		var got totals
		gotGroups := map[[2]string]totals{}
		for _, g := range agg.Groups() {
			got.requests, got.input, got.output = got.requests+g.Requests, got.input+g.InputTokens, got.output+g.OutputTokens
			gotGroups[[2]string{g.Keys[0], g.Keys[1]}] = totals{g.Requests, g.InputTokens, g.OutputTokens}
		}
		if got != want || agg.Requests != want.requests || agg.Skipped != wantSkipped {
			t.Fatalf("read %+v (%d requests, %d skipped), want %+v and %d skipped, from %q", got, agg.Requests, agg.Skipped, want, wantSkipped, data)
		}
		// encoding/json reads invalid UTF-8 in names as U+FFFD; the scanner keeps the bytes.
		if utf8.Valid(data) && !maps.Equal(gotGroups, wantGroups) {
			t.Fatalf("groups %v, want %v, from %q", gotGroups, wantGroups, data)
		}

		// Agree with encoding/json on what is an object and on the fields read.
		r, kind := ParseLine(data)
		ref, refKind := reference(data)
		if kind != refKind {
			t.Fatalf("kind %v, encoding/json says %v for %q", kind, refKind, data)
		}
		if kind == Request && utf8.Valid(data) {
			got := refRecord{r.Consumer, r.Model, r.InputTokens, r.OutputTokens, r.HasTokens, r.Status}
			if got != ref {
				t.Fatalf("got %+v, encoding/json reads %+v from %q", got, ref, data)
			}
		}
	})
}
