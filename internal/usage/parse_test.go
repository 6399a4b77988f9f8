package usage

import (
	"bytes"
	"encoding/json"
	"strconv"
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
			want: Record{Consumer: None, Model: "qwen-plus", Route: "qwen", Status: 429, InputTokens: 7, OutputTokens: 9, HasAILog: true, HasTokens: true, Duration: -1, FirstToken: -1},
		},
		{
			name: "token counts of 0: known, not absent",
			line: `{"ai_log":"{\"model\":\"llama-local\",\"input_token\":0,\"output_token\":\"0\"}","response_code":"200"}`,
			want: Record{Consumer: None, Model: "llama-local", Route: None, Status: 200, HasAILog: true, HasTokens: true, Duration: -1, FirstToken: -1},
		},
		{
			name: "ai_log without token counts: tokens unknown",
			line: `{"ai_log":"{\"model\":\"gpt-4o\",\"consumer\":\"alice\",\"cached_tokens\":5}","response_code":"200"}`,
			want: Record{Consumer: "alice", Model: "gpt-4o", Route: None, Status: 200, CachedTokens: 0, HasAILog: true, Duration: -1, FirstToken: -1},
		},
		{
			name: "token fields that are not counts: tokens unknown",
			line: `{"ai_log":"{\"model\":\"gpt-4o\",\"input_token\":null,\"output_token\":\"-\",\"total_token\":-3}","response_code":"200"}`,
			want: Record{Consumer: None, Model: "gpt-4o", Route: None, Status: 200, HasAILog: true, Duration: -1, FirstToken: -1},
		},
		{
			name: "one token count known",
			line: `{"ai_log":"{\"model\":\"text-embedding-3-small\",\"input_token\":12}","response_code":"200"}`,
			want: Record{Consumer: None, Model: "text-embedding-3-small", Route: None, Status: 200, InputTokens: 12, HasAILog: true, HasTokens: true, Duration: -1, FirstToken: -1},
		},
		{
			name: "ai_log empty as dash",
			line: `{"ai_log":"-","response_code":"200","route_name":"-"}`,
			want: Record{Consumer: None, Model: None, Route: None, Status: 200, Duration: -1, FirstToken: -1},
		},
		{
			name: "gateway before v2.0.5: no ai_log",
			line: `{"authority":"x","response_code":"503","duration":"12","route_name":"r"}`,
			want: Record{Consumer: None, Model: None, Route: "r", Status: 503, Duration: 12, FirstToken: -1},
		},
		{
			name: "ai_log as an object, escaped unicode, spaces",
			line: " { \"ai_log\" : {\"model\":\"deepseek\\u002dchat\",\"consumer\":\"\\u00e9quipe\",\"output_token\":1e2} , \"response_code\" : \"-\" }\r",
			want: Record{Consumer: "équipe", Model: "deepseek-chat", Route: None, OutputTokens: 100, HasAILog: true, HasTokens: true, Duration: -1, FirstToken: -1},
		},
		{
			name: "ai_log that is not an object: as if absent",
			line: `{"ai_log":"{broken","response_code":"200"}`,
			want: Record{Consumer: None, Model: None, Route: None, Status: 200, Duration: -1, FirstToken: -1},
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
	r := refRecord{consumer: None, model: None}
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
	if ai == nil {
		return r, Request
	}
	name := func(k string) string {
		if s, ok := ai[k].(string); ok && s != "" && s != "-" {
			return s
		}
		return None
	}
	r.consumer, r.model = name("consumer"), name("model")
	var hasIn, hasOut bool
	r.in, hasIn = count(ai, "input_token")
	r.out, hasOut = count(ai, "output_token")
	r.hasTokens = hasIn || hasOut
	return r, Request
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		`{"ai_log":"{\"model\":\"gpt-4o\",\"input_token\":120,\"output_token\":30,\"consumer\":\"alice\"}","response_code":"200"}`,
		`{"ai_log":"{\"model\":\"q\",\"input_token\":\"7\"}","response_code":"429"}`,
		`{"ai_log":"-","response_code":"200"}`,
		`{"response_code":"503"}`,
		`{"a":[1,2,{"b":null}],"c":true,"d":-0.5e+3}`,
		"[1]", "", "not json", `{"x":"\ud83d\ude00"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Never double-count: every line is exactly one request, blank or skipped.
		lines := bytes.Split(data, []byte("\n"))
		agg := NewAggregator([]Dim{ByConsumer, ByModel}, nil)
		var wantRequests, wantSkipped int64
		for _, l := range lines {
			_, kind := ParseLine(l)
			switch kind {
			case Request:
				wantRequests++
			case Skipped:
				wantSkipped++
			}
			agg.AddLine(l)
		}
		var sum int64
		for _, g := range agg.Groups() {
			sum += g.Requests
		}
		if agg.Requests != wantRequests || sum != wantRequests || agg.Skipped != wantSkipped {
			t.Fatalf("requests %d (groups %d) skipped %d, want %d and %d", agg.Requests, sum, agg.Skipped, wantRequests, wantSkipped)
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
