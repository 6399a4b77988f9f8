package ailog

import (
	"encoding/json"
	"reflect"
	"testing"
)

// decode reads a property value as the access log would print it: a JSON string holding an object.
func decode(t *testing.T, prop []byte) map[string]any {
	t.Helper()
	var s string
	if err := json.Unmarshal([]byte(`"`+string(prop)+`"`), &s); err != nil {
		t.Fatalf("not the inside of a JSON string: %s: %v", prop, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not a JSON object: %s: %v", s, err)
	}
	return m
}

func TestMerge(t *testing.T) {
	cases := []struct {
		name string
		prev string
		e    Entry
		want map[string]any
		ok   bool
	}{
		{
			name: "alone, streamed",
			e: Entry{Model: "gpt-4o", Consumer: "alice", ResponseType: "stream", HasUsage: true, Input: 12, Output: 5, Cached: 4, HasCached: true,
				Reasoning: 3, HasReasoning: true, ServiceMs: 900, FirstToken: true, FirstTokenMs: 120},
			// cached_tokens and reasoning_tokens, and the details objects, as ai-statistics writes them.
			want: map[string]any{"model": "gpt-4o", "consumer": "alice", "response_type": "stream", "input_token": 12.0, "output_token": 5.0,
				"total_token": 17.0, "cached_tokens": 4.0, "input_token_details": map[string]any{"cached_tokens": 4.0},
				"reasoning_tokens": 3.0, "output_token_details": map[string]any{"reasoning_tokens": 3.0},
				"llm_service_duration": 900.0, "llm_first_token_duration": 120.0},
			ok: true,
		},
		{
			name: "no consumer, no first token, no cache",
			e:    Entry{Model: "m", ResponseType: "normal", HasUsage: true, Input: 1},
			want: map[string]any{"model": "m", "response_type": "normal", "input_token": 1.0, "output_token": 0.0, "total_token": 1.0, "llm_service_duration": 0.0},
			ok:   true,
		},
		{
			// The provider reported no usage: no token key at all, so usage shows it unpriced
			// rather than free; a cached count reported is 0 cached tokens.
			name: "no usage reported",
			prev: `{\"input_token\":5,\"cached_tokens\":2,\"input_token_details\":{\"cached_tokens\":2}}`,
			e:    Entry{Model: "m", ResponseType: "normal", Cached: 9, HasCached: true},
			want: map[string]any{"model": "m", "response_type": "normal", "llm_service_duration": 0.0},
			ok:   true,
		},
		{
			name: "zero cached tokens reported",
			e:    Entry{Model: "m", ResponseType: "normal", HasUsage: true, Input: 2, HasCached: true},
			want: map[string]any{"model": "m", "response_type": "normal", "input_token": 2.0, "output_token": 0.0, "total_token": 2.0,
				"cached_tokens": 0.0, "input_token_details": map[string]any{"cached_tokens": 0.0}, "llm_service_duration": 0.0},
			ok: true,
		},
		{
			name: "keeps other plugins' keys, replaces its own",
			prev: `{\"chat_id\":\"abc\",\"api\":\"chat\\\"x\",\"model\":\"old\",\"input_token\":\"7\",\"question\":\"a\\nb\"}`,
			e:    Entry{Model: "new", ResponseType: "normal", HasUsage: true, Input: 3, Output: 2},
			want: map[string]any{"chat_id": "abc", "api": `chat"x`, "question": "a\nb", "model": "new", "response_type": "normal", "input_token": 3.0,
				"output_token": 2.0, "total_token": 5.0, "llm_service_duration": 0.0},
			ok: true,
		},
		{
			name: "a first token at 0 ms is still written",
			e:    Entry{Model: "m", ResponseType: "stream", FirstToken: true},
			want: map[string]any{"model": "m", "response_type": "stream", "llm_service_duration": 0.0, "llm_first_token_duration": 0.0},
			ok:   true,
		},
		{
			name: "replaces what is not an object",
			prev: `not json`,
			e:    Entry{Model: "m", ResponseType: "normal"},
			want: map[string]any{"model": "m", "response_type": "normal", "llm_service_duration": 0.0},
		},
		{
			name: "escapes what it writes",
			e:    Entry{Model: "we\"ird\\\x01\u2028\xff", Consumer: "名前", ResponseType: "normal"},
			want: map[string]any{"model": "we\"ird\\\x01\u2028\ufffd", "consumer": "名前", "response_type": "normal", "llm_service_duration": 0.0},
			ok:   true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, ok := Merge([]byte(tc.prev), tc.e)
			if ok != tc.ok {
				t.Errorf("ok = %v, want %v", ok, tc.ok)
			}
			got := decode(t, out)
			if len(got) != len(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s = %#v, want %#v (all: %s)", k, got[k], v, out)
				}
			}
		})
	}
}

// FuzzMerge: whatever another plugin left in ai_log and whatever names come in, the result is an
// escaped JSON object with this request's numbers, and the other plugin's keys survive.
func FuzzMerge(f *testing.F) {
	f.Add([]byte(`{\"chat_id\":\"abc\"}`), "gpt-4o", "alice", int64(3), int64(4))
	f.Add([]byte(``), "m\"\\", "", int64(0), int64(-1))
	f.Add([]byte(`{\"a\":{\"b\":[1,2]},\"model\":1}`), "\xff\x00", "c\u2029", int64(1<<40), int64(7))
	f.Fuzz(func(t *testing.T, prev []byte, model, consumer string, in, out int64) {
		res, _ := Merge(prev, Entry{Model: model, Consumer: consumer, ResponseType: "normal", HasUsage: true, Input: in, Output: out})
		got := decode(t, res)
		if got["input_token"] != float64(in) || got["output_token"] != float64(out) || got["total_token"] != float64(in+out) {
			t.Fatalf("tokens wrong: %s", res)
		}
		if _, ok := got["model"].(string); !ok {
			t.Fatalf("no model: %s", res)
		}
		if consumer != "" && got["consumer"] == nil {
			t.Fatalf("no consumer: %s", res)
		}
		// A previous object's other keys survive.
		var s string
		var before map[string]any
		if json.Unmarshal([]byte(`"`+string(prev)+`"`), &s) == nil && json.Unmarshal([]byte(s), &before) == nil {
			for k := range before {
				if _, ok := got[k]; !ok {
					t.Fatalf("key %q lost: %s -> %s", k, prev, res)
				}
			}
		}
	})
}
