// Package ailog writes a request's usage into the gateway's ai_log filter-state property, the
// way Higress's ai-statistics does: a JSON object stored escaped, as the inside of a JSON string,
// so the access log can print it as one string value. Keys other plugins wrote are kept.
package ailog

import (
	"strconv"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Entry is what ai-proxy records of one request, in ai-statistics' keys.
type Entry struct {
	Model        string // model
	Consumer     string // consumer, left out when empty
	ResponseType string // response_type: stream or normal
	Input        int64  // input_token
	Output       int64  // output_token
	Cached       int64  // cached_tokens, left out when zero
	ServiceMs    int64  // llm_service_duration
	// FirstToken tells whether a first token was seen (a streamed answer that produced one):
	// only then is FirstTokenMs written, as llm_first_token_duration.
	FirstToken   bool
	FirstTokenMs int64
}

// keys are the keys an Entry sets: earlier values of them are replaced.
var keys = map[string]bool{
	"model": true, "consumer": true, "response_type": true, "input_token": true, "output_token": true,
	"total_token": true, "cached_tokens": true, "llm_service_duration": true, "llm_first_token_duration": true,
}

// Merge returns the new value of the property: prev (its current value, possibly empty) with e's
// keys set. A prev that is not an escaped JSON object is replaced (ok is false then).
func Merge(prev []byte, e Entry) (out []byte, ok bool) {
	obj := make([]byte, 0, 256+len(prev))
	obj = append(obj, '{')
	ok = true
	if len(prev) > 0 {
		if raw, good := unescape(prev); good && gjson.ValidBytes(raw) && gjson.ParseBytes(raw).IsObject() {
			gjson.ParseBytes(raw).ForEach(func(k, v gjson.Result) bool {
				if !keys[k.Str] {
					obj = append(obj, k.Raw...)
					obj = append(obj, ':')
					obj = append(obj, v.Raw...)
					obj = append(obj, ',')
				}
				return true
			})
		} else {
			ok = false
		}
	}
	obj = appendString(obj, "model", e.Model)
	if e.Consumer != "" {
		obj = appendString(obj, "consumer", e.Consumer)
	}
	obj = appendString(obj, "response_type", e.ResponseType)
	obj = appendInt(obj, "input_token", e.Input)
	obj = appendInt(obj, "output_token", e.Output)
	obj = appendInt(obj, "total_token", e.Input+e.Output)
	if e.Cached > 0 {
		obj = appendInt(obj, "cached_tokens", e.Cached)
	}
	obj = appendInt(obj, "llm_service_duration", e.ServiceMs)
	if e.FirstToken {
		obj = appendInt(obj, "llm_first_token_duration", e.FirstTokenMs)
	}
	obj[len(obj)-1] = '}'
	return escape(make([]byte, 0, len(obj)+len(obj)/4), obj), ok
}

func appendString(b []byte, key, value string) []byte {
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, `":`...)
	b = appendJSONString(b, value)
	return append(b, ',')
}

func appendInt(b []byte, key string, n int64) []byte {
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, `":`...)
	b = strconv.AppendInt(b, n, 10)
	return append(b, ',')
}

const hex = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = escape(b, []byte(s))
	return append(b, '"')
}

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
	v := gjson.ParseBytes(quoted)
	if v.Type != gjson.String || !gjson.ValidBytes(quoted) {
		return nil, false
	}
	return []byte(v.Str), true
}
