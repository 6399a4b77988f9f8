package openai

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

func TestParseAndRewriteRequest(t *testing.T) {
	body := []byte(`{"model":"gpt-4","stream":true,"messages":[{"role":"user","content":"a \u00e9 \"q\""}],"n":1}`)
	r, err := ParseRequest(body, true)
	if err != nil || r.Model != "gpt-4" || !r.Stream || r.IncludeUsage {
		t.Fatalf("%+v %v", r, err)
	}
	out, err := RewriteRequest(body, r, "gpt-4o", true)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"a \u00e9 \"q\""}],"n":1,"stream_options":{"include_usage":true}}`
	if string(out) != want {
		t.Fatalf("rewritten:\n%s\nwant\n%s", out, want)
	}
	for _, bad := range []string{`{"model":`, `[]`, `{"model":3}`, `{}`} {
		if _, err := ParseRequest([]byte(bad), true); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	if r, err := ParseRequest([]byte(`{"model":"m","stream":false,"stream_options":{"include_usage":true}}`), true); err != nil || r.Stream {
		t.Fatal(r, err)
	}
}

func TestRequestKeysGivenTwiceAreRefused(t *testing.T) {
	// JSON parsers differ on which of two keys counts: the plugin could allow one model and the
	// provider run the other, or think usage was asked for when the provider reads false.
	for _, body := range []string{
		`{"model":"gpt-4o-mini","model":"gpt-4o"}`,
		`{"model":"gpt-4o-mini","mod\u0065l":"gpt-4o"}`,
		`{"model":"m","stream":false,"stream":true}`,
		`{"model":"m","stream":true,"stream_options":{"include_usage":true,"include_usage":false}}`,
		`{"model":"m","stream_options":{},"stream_options":{}}`,
		// Go's encoding/json takes any key that folds to a field's name, the last one winning:
		// the plugin would check gpt-4o-mini and the server run gpt-4o.
		`{"model":"gpt-4o-mini","Model":"gpt-4o"}`,
		`{"model":"gpt-4o-mini","MODEL":"gpt-4o"}`,
		`{"model":"gpt-4o-mini","M\u004fdel":"gpt-4o"}`,
		// ſ (U+017F) folds to s, the Kelvin sign (U+212A) to k.
		`{"model":"m","stream":false,"ſtream":true}`,
		`{"model":"m","stream":false,"\u017ftream":true}`,
		`{"model":"m","stream":true,"Stream_Options":{"include_usage":false},"stream_options":{"include_usage":true}}`,
		`{"model":"m","stream":true,"stream_options":{"include_usage":true,"INCLUDE_USAGE":false}}`,
		`{"model":"m","stream":true,"stream_options":{"include_uſage":false,"include_usage":true}}`,
		`{"model":"m","stream_options":{"x":1,"X":2}}`,
		`{"model":"m","max_tokens":10,"max_to` + "\u212a" + `ens":100000}`,
		`{"model":"m","max_tokens":10,"MAX_TOKENS":100000}`,
		`{"model":"m","max_completion_tokens":1,"Max_Completion_Tokens":2}`,
		`{"model":"m","n":1,"N":50}`,
	} {
		_, err := ParseRequest([]byte(body), true)
		if err == nil || !strings.Contains(err.Error(), "twice") {
			t.Errorf("%s: %v", body, err)
		}
	}
}

func TestRequestKeysReadAsServersFoldThem(t *testing.T) {
	// One key that folds to a field's name is that field: checked (and rewritten) as the server
	// will read it.
	cases := []struct {
		body                   string
		model                  string
		stream, usage          bool
		maxTokens, maxCompl, n int64
	}{
		{`{"Model":"gpt-4o"}`, "gpt-4o", false, false, -1, -1, -1},
		{`{"MODEL":"gpt-4o","STREAM":true}`, "gpt-4o", true, false, -1, -1, -1},
		{`{"model":"m","ſtream":true,"ſtream_options":{"Include_Uſage":true}}`, "m", true, true, -1, -1, -1},
		{`{"model":"m","max_to\u212aens":7,"Max_Completion_Tokens":8,"N":2}`, "m", false, false, 7, 8, 2},
		{`{"model":"m","max_tokens":"7","n":1.5}`, "m", false, false, -1, -1, -1},
		// Not a field the plugin reads: other keys, even when they look alike.
		{`{"model":"m","models":"x","streams":true,"nn":3}`, "m", false, false, -1, -1, -1},
	}
	for _, tc := range cases {
		r, err := ParseRequest([]byte(tc.body), true)
		if err != nil {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		if r.Model != tc.model || r.Stream != tc.stream || r.IncludeUsage != tc.usage || r.MaxTokens != tc.maxTokens ||
			r.MaxCompletionTokens != tc.maxCompl || r.N != tc.n {
			t.Errorf("%s: %+v", tc.body, r)
		}
	}
	// The model is replaced where the server reads it, whatever the key's case.
	body := []byte(`{"Model":"gpt-4","stream":true}`)
	r, _ := ParseRequest(body, true)
	out, err := RewriteRequest(body, r, "gpt-4o", true)
	if want := `{"Model":"gpt-4o","stream":true,"stream_options":{"include_usage":true}}`; err != nil || string(out) != want {
		t.Errorf("rewritten %s %v, want %s", out, err, want)
	}
	// stream_options with too many members to compare is refused.
	many := `{"model":"m","stream_options":{`
	for i := 0; i <= maxOptions; i++ {
		many += `"o` + strconv.Itoa(i) + `":1,`
	}
	many = strings.TrimSuffix(many, ",") + "}}"
	if _, err := ParseRequest([]byte(many), true); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Error("accepted stream_options with too many members")
	}
}

func TestRewriteAsksForUsage(t *testing.T) {
	cases := map[string]string{
		`{"model":"m","stream":true}`:                                          `{"model":"m","stream":true,"stream_options":{"include_usage":true}}`,
		`{"model":"m","stream":true,"stream_options":null}`:                    `{"model":"m","stream":true,"stream_options":{"include_usage":true}}`,
		`{"model":"m","stream":true,"stream_options":{}}`:                      `{"model":"m","stream":true,"stream_options":{"include_usage":true}}`,
		`{"model":"m","stream":true,"stream_options":{ }}`:                     `{"model":"m","stream":true,"stream_options":{"include_usage":true }}`,
		`{"model":"m","stream":true,"stream_options":{"include_usage":false}}`: `{"model":"m","stream":true,"stream_options":{"include_usage":true}}`,
		`{"model":"m","stream":true,"stream_options":{"x":1}}`:                 `{"model":"m","stream":true,"stream_options":{"include_usage":true,"x":1}}`,
		`{"stream_options":{"x":1},"stream":true,"model":"m"}` + "\n":          `{"stream_options":{"include_usage":true,"x":1},"stream":true,"model":"x"}` + "\n",
		` {"model" : "m" , "stream" : true } `:                                 ` {"model" : "m" , "stream" : true ,"stream_options":{"include_usage":true}} `,
		`{"model":"m","stream":true,"stream_options":{"include_usage":"yes"}}`: `{"model":"m","stream":true,"stream_options":{"include_usage":true}}`,
	}
	for in, want := range cases {
		r, err := ParseRequest([]byte(in), true)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		model := r.Model
		if strings.HasSuffix(want, `"model":"x"}`+"\n") {
			model = "x"
		}
		out, err := RewriteRequest([]byte(in), r, model, true)
		if err != nil || string(out) != want {
			t.Errorf("%s:\n got %s %v\nwant %s", in, out, err, want)
		}
	}
	// Nothing to change: the very same body.
	body := []byte(`{"model":"m","stream":true,"stream_options":{"include_usage":true}}`)
	r, _ := ParseRequest(body, true)
	if out, _ := RewriteRequest(body, r, "m", true); &out[0] != &body[0] {
		t.Error("an unchanged body was copied")
	}
	// A model with characters JSON escapes.
	r, _ = ParseRequest([]byte(`{"model":"m"}`), true)
	if out, _ := RewriteRequest([]byte(`{"model":"m"}`), r, "a\"b\\c\x01", false); string(out) != `{"model":"a\"b\\c\u0001"}` {
		t.Errorf("escaped model: %s", out)
	}
}

func TestUsageFromBody(t *testing.T) {
	u := UsageFromBody([]byte(`{"model":"m","usage":{"prompt_tokens":3,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":1},` +
		`"completion_tokens_details":{"reasoning_tokens":2}}}`))
	if u != (Usage{Model: "m", Input: 3, Output: 4, Cached: 1, Reasoning: 2, Found: true, HasCached: true, HasReasoning: true}) || u.Total() != 7 {
		t.Fatalf("%+v", u)
	}
	// A usage object without token counts reports no usage: not 0 tokens.
	for _, body := range []string{`{"model":"m","usage":{}}`, `{"model":"m","usage":{"total_tokens":5}}`, `{"model":"m","usage":null}`} {
		if u := UsageFromBody([]byte(body)); u.Found {
			t.Errorf("%s: %+v", body, u)
		}
	}
	if u := UsageFromBody([]byte(`{"model":"m"}`)); u.Found || u.Model != "m" {
		t.Fatalf("%+v", u)
	}
	if u := UsageFromBody([]byte(`not json`)); u.Found {
		t.Fatalf("%+v", u)
	}
}

// refUsageFromBody is how usage was first read: validate, then Get.
func refUsageFromBody(body []byte) Usage {
	if !gjson.ValidBytes(body) {
		return Usage{}
	}
	v := gjson.ParseBytes(body)
	u := v.Get("usage")
	if !u.IsObject() {
		return Usage{Model: v.Get("model").Str}
	}
	return refUsage(v.Get("model").Str, u)
}

func TestUsageFromBodyWhereverUsageIs(t *testing.T) {
	for _, body := range []string{
		`{"model":"m","choices":[{"message":{"content":"the \"usage\": {\"prompt_tokens\":9}"}}],"usage":{"prompt_tokens":3,"completion_tokens":4}}`,
		`{"usage":{"prompt_tokens":3,"completion_tokens":4},"model":"m","choices":[]}`,
		`{"model":"m","x":{"usage":{"prompt_tokens":9}},"usage":{"prompt_tokens":3}}`,
		`{"model":"m","usage":{"prompt_tokens":3},"x":{"usage":{"prompt_tokens":9}}}`,
		`{"model":"m","x":[{"usage":{"prompt_tokens":9}}]}`,
		`{"model":"m","note":"usage","usage" : { "prompt_tokens" : 3 , "prompt_tokens_details":{"cached_tokens":2}} }` + "\n",
		`{"model":"m","usage":null}`,
		`{"model":"m","k":"usage"}`,
		`{"id":"c","model":"m","choices":[],"usage":{"prompt_tokens":24,"completion_tokens":2},"service_tier":"default","system_fingerprint":"fp"}`,
		`{"model":"m","usage":{"prompt_tokens":1},"x":{"usage":{"prompt_tokens":2}}}`,
		`{"model":"m","usage":{"prompt_tokens":1},"x":[{"usage":{"prompt_tokens":2}}],"y":"}"}`,
		`{"model":"m","usage":{"prompt_tokens":1,"s":"}\\"},"z":"\"usage\":{\"prompt_tokens\":5}"}`,
		`{"model":"m","x":{"a":1,"usage":{"prompt_tokens":2}},"y":1}`,
		`{"model":"m","usage":{"completion_tokens":2,"completion_tokens_details":{"reasoning_tokens":1,"x":2}}}`,
		`{"model":"m","usage":{"prompt_tokens":2,"prompt_tokens_details":{"audio_tokens":1}}}`,
		`{"model":"m","usage":{"prompt_tokens":2,"prompt_tokens_details":{"cached_tokens":0}}}`,
		`{"model":"m","usage":{}}`,
	} {
		if got, want := UsageFromBody([]byte(body)), refUsageFromBody([]byte(body)); got != want {
			t.Errorf("%s: %+v, want %+v", body, got, want)
		}
	}
}

// FuzzUsageFromBody: for any valid response with at most one usage, what the fast reading finds
// is what validating and parsing it whole finds; for any input, it does not fail.
func FuzzUsageFromBody(f *testing.F) {
	f.Add([]byte(`{"model":"m","usage":{"prompt_tokens":3,"completion_tokens":4}}`))
	f.Add([]byte(`{"model":"m","x":{"usage":{"prompt_tokens":9}}}`))
	f.Add([]byte(`{"usage":{"prompt_tokens":"7"}, "model":"\u006d"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got := UsageFromBody(body)
		if !gjson.ValidBytes(body) {
			return
		}
		seen := map[string]int{}
		gjson.ParseBytes(body).ForEach(func(k, _ gjson.Result) bool {
			seen[k.Str]++
			return true
		})
		if seen["usage"] > 1 || seen["model"] > 1 {
			return
		}
		if want := refUsageFromBody(body); got != want {
			t.Fatalf("%q: %+v, want %+v", body, got, want)
		}
	})
}

func TestErrorBodyShape(t *testing.T) {
	var e struct {
		Error struct {
			Message, Type string
			Param         any
			Code          string
		}
	}
	if err := json.Unmarshal(ErrorBody(`model "x" <not> allowed`, "invalid_request_error", "model_not_allowed"), &e); err != nil {
		t.Fatal(err)
	}
	if e.Error.Message != `model "x" <not> allowed` || e.Error.Code != "model_not_allowed" || e.Error.Param != nil {
		t.Fatalf("%+v", e)
	}
}

// feed passes a stream through in the given pieces and returns what was forwarded.
func feed(s *Stream, pieces []string) string {
	var out bytes.Buffer
	for i, p := range pieces {
		b, _ := s.Feed([]byte(p), i == len(pieces)-1)
		out.Write(b)
	}
	return out.String()
}

const sseStream = "data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n" +
	"data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\r\n\r\n" +
	": keep-alive comment\n\n" +
	"data: {\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n" +
	"data: [DONE]\n\n"

func TestStreamSplitAnywhere(t *testing.T) {
	for cut := 0; cut <= len(sseStream); cut++ {
		s := &Stream{}
		got := feed(s, []string{sseStream[:cut], sseStream[cut:]})
		// The usage chunk passes too: the plugins after this one count a stream's tokens from it.
		if got != sseStream || s.Usage.Input != 5 || s.Usage.Output != 2 || !s.Started {
			t.Fatalf("cut %d: %q, usage %+v", cut, got, s.Usage)
		}
	}
}

func TestStreamPassesOversizedEventsUnread(t *testing.T) {
	s := &Stream{}
	big := "data: " + strings.Repeat("x", MaxEvent+10)
	out, _ := s.Feed([]byte(big), false)
	if len(out) != len(big) {
		t.Fatalf("held back %d bytes of an oversized event", len(big)-len(out))
	}
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(`{"model":"gpt-4o","stream":true}`), "gpt-4o-mini")
	f.Add([]byte(`{"model":"x","stream_options":{"include_usage":false},"stream":true}`), "x")
	f.Add([]byte(`[1,2]`), "m")
	f.Fuzz(func(t *testing.T, body []byte, model string) {
		r, err := ParseRequest(body, true)
		if err != nil {
			return
		}
		out, err := RewriteRequest(body, r, model, r.Stream && !r.IncludeUsage)
		if err != nil {
			return
		}
		// A rewritten request is still JSON, names the new model and, when streaming, asks for usage.
		if !json.Valid(out) {
			t.Fatalf("rewrite of %q produced invalid JSON %q", body, out)
		}
		r2, err := ParseRequest(out, true)
		// Models come from JSON (the request or the config), so they are valid UTF-8.
		if model != "" && utf8.ValidString(model) && (err != nil || r2.Model != model) {
			t.Fatalf("rewrite of %q to %q: %+v %v", body, model, r2, err)
		}
		if err == nil && r.Stream && !r2.IncludeUsage {
			t.Fatalf("rewrite of %q lost include_usage: %q", body, out)
		}
	})
}

func FuzzStream(f *testing.F) {
	f.Add([]byte(sseStream), uint16(7))
	f.Add([]byte("data: {\"choices\":[]}\r\n\r\ndata: [DONE]"), uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		c := int(cut) % (len(data) + 1)
		whole := &Stream{}
		split := &Stream{}
		a := feed(whole, []string{string(data)})
		b := feed(split, []string{string(data[:c]), string(data[c:])})
		// Where a stream is cut never changes what is forwarded or the usage read.
		if a != b || whole.Usage != split.Usage {
			t.Fatalf("cut %d: %q vs %q, %+v vs %+v", c, a, b, whole.Usage, split.Usage)
		}
		// Nothing is invented or dropped: the stream passes byte for byte.
		if a != string(data) {
			t.Fatalf("stream changed: %q -> %q", data, a)
		}
	})
}
