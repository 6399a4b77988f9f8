// Package ailog writes a request's usage into the gateway's ai_log filter-state property, the
// way Higress's ai-statistics does: a JSON object stored escaped, as the inside of a JSON string,
// so the access log can print it as one string value. Keys other plugins wrote are kept.
package ailog

import (
	"bytes"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Entry is what ai-proxy records of one request, in ai-statistics' keys.
type Entry struct {
	Model        string // model
	Consumer     string // consumer, left out when empty
	ResponseType string // response_type: stream or normal
	// HasUsage: the provider reported its tokens. Without, no token key is written (the
	// request is unpriced, never 0 tokens).
	HasUsage bool
	Input    int64 // input_token
	Output   int64 // output_token
	// Cached (prompt_tokens_details.cached_tokens, part of Input) and Reasoning
	// (completion_tokens_details.reasoning_tokens, part of Output) are written when reported,
	// as today's ai-statistics writes them: cached_tokens and input_token_details
	// {"cached_tokens":N}, reasoning_tokens and output_token_details {"reasoning_tokens":N}.
	Cached, Reasoning       int64
	HasCached, HasReasoning bool
	ServiceMs               int64 // llm_service_duration
	// FirstToken tells whether a first token was seen (a streamed answer that produced one):
	// only then is FirstTokenMs written, as llm_first_token_duration.
	FirstToken   bool
	FirstTokenMs int64
}

// keys are the keys an Entry sets: earlier values of them are replaced.
var keys = map[string]bool{
	"model": true, "consumer": true, "response_type": true, "input_token": true, "output_token": true,
	"total_token": true, "cached_tokens": true, "llm_service_duration": true, "llm_first_token_duration": true,
	"input_token_details": true, "reasoning_tokens": true, "output_token_details": true,
}

// Merge returns the new value of the property: prev (its current value, possibly empty) with e's
// keys set. A prev that is not an escaped JSON object is replaced (ok is false then).
//
// It runs once per request in the gateway, so it writes the escaped form directly, and an empty
// prev (or {}, what a plugin without usage to add leaves) is not parsed at all.
func Merge(prev []byte, e Entry) (out []byte, ok bool) {
	out = make([]byte, 0, 320+len(prev)+len(prev)/8)
	out = append(out, '{')
	ok = true
	if p := bytes.TrimSpace(prev); len(p) > 0 && string(p) != "{}" {
		raw, good := unescape(p)
		var v gjson.Result
		if good && gjson.Valid(str(raw)) {
			v = gjson.Parse(str(raw))
		}
		if v.IsObject() {
			v.ForEach(func(k, v gjson.Result) bool {
				if !keys[k.Str] {
					out = escape(out, []byte(k.Raw))
					out = append(out, ':')
					out = escape(out, []byte(v.Raw))
					out = append(out, ',')
				}
				return true
			})
		} else {
			ok = false
		}
	}
	out = appendString(out, "model", e.Model)
	if e.Consumer != "" {
		out = appendString(out, "consumer", e.Consumer)
	}
	out = appendString(out, "response_type", e.ResponseType)
	if e.HasUsage {
		out = appendInt(out, "input_token", e.Input)
		out = appendInt(out, "output_token", e.Output)
		out = appendInt(out, "total_token", e.Input+e.Output)
		if e.HasCached {
			out = appendInt(out, "cached_tokens", e.Cached)
			out = appendDetail(out, "input_token_details", "cached_tokens", e.Cached)
		}
		if e.HasReasoning {
			out = appendInt(out, "reasoning_tokens", e.Reasoning)
			out = appendDetail(out, "output_token_details", "reasoning_tokens", e.Reasoning)
		}
	}
	out = appendInt(out, "llm_service_duration", e.ServiceMs)
	if e.FirstToken {
		out = appendInt(out, "llm_first_token_duration", e.FirstTokenMs)
	}
	out[len(out)-1] = '}'
	return out, ok
}

// str views b as a string without copying; b must not change while the result is in use.
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// appendString appends "key":"value", as it reads escaped: \"key\":\"value\", where value is
// escaped twice (once as a JSON string, once as the inside of the property's string).
func appendString(b []byte, key, value string) []byte {
	b = append(b, '\\', '"')
	b = append(b, key...)
	b = append(b, '\\', '"', ':', '\\', '"')
	if plain(value) {
		b = append(b, value...)
	} else {
		b = escape(b, escape(nil, []byte(value)))
	}
	return append(b, '\\', '"', ',')
}

// plain reports whether s needs no escaping at all.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func appendInt(b []byte, key string, n int64) []byte {
	b = append(b, '\\', '"')
	b = append(b, key...)
	b = append(b, '\\', '"', ':')
	b = strconv.AppendInt(b, n, 10)
	return append(b, ',')
}

// appendDetail appends "key":{"detail":n}, as it reads escaped.
func appendDetail(b []byte, key, detail string, n int64) []byte {
	b = append(b, '\\', '"')
	b = append(b, key...)
	b = append(b, '\\', '"', ':', '{', '\\', '"')
	b = append(b, detail...)
	b = append(b, '\\', '"', ':')
	b = strconv.AppendInt(b, n, 10)
	return append(b, '}', ',')
}

const hex = "0123456789abcdef"

// escape appends s escaped as the inside of a JSON string.
func escape(b, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// unescape reads the inside of a JSON string.
func unescape(s []byte) ([]byte, bool) {
	quoted := make([]byte, 0, len(s)+2)
	quoted = append(quoted, '"')
	quoted = append(quoted, s...)
	quoted = append(quoted, '"')
	if !gjson.Valid(str(quoted)) {
		return nil, false
	}
	v := gjson.Parse(str(quoted))
	if v.Type != gjson.String {
		return nil, false
	}
	return []byte(v.Str), true
}
