// Package openai reads and rewrites OpenAI-protocol bodies: the request's model and stream flags,
// the usage in a response or in the last chunk of a server-sent event stream, and the errors the
// plugin answers itself.
package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Request is what the plugin reads of a request body.
type Request struct {
	Model        string
	Stream       bool
	IncludeUsage bool // stream_options.include_usage is true
	// MaxTokens, MaxCompletionTokens and N are those members when they are integers written
	// plainly, else -1.
	MaxTokens, MaxCompletionTokens, N int64
	// Where the rewrite goes: the model's value and stream_options' value or, when absent, the
	// object's closing brace (offsets into the body; -1 when absent).
	modelAt, modelEnd     int
	optionsAt, optionsEnd int
	usageAt, usageEnd     int // include_usage's value inside stream_options
	closeAt               int
	empty                 bool // the body is {}
}

// Errors a request body can have.
var (
	ErrNotJSON = errors.New("the request body is not a JSON object")
	ErrNoModel = errors.New("the request body names no model")
)

// duplicateError is a key the request gives twice: JSON parsers disagree on which one counts
// (the first, the last; Go's encoding/json also takes "Model" or "ſtream" for model and
// stream), so the plugin could check one model and the provider use another.
type duplicateError string

func (e duplicateError) Error() string {
	return "the request body gives " + strconv.Quote(string(e)) + " twice (keys that differ only in case count as one)"
}

// field is a top-level member the plugin reads.
type field uint8

const (
	noField field = iota
	fieldModel
	fieldStream
	fieldOptions
	fieldMaxTokens
	fieldMaxCompletionTokens
	fieldN
	numFields
)

var fieldNames = [numFields]string{"", "model", "stream", "stream_options", "max_tokens", "max_completion_tokens", "n"}

// fieldOf is the field a key names as Go's encoding/json matches keys (and many
// OpenAI-compatible servers decode with it): ignoring case, with Unicode simple folding, so
// "MODEL" is model, "\u017ftream" (ſ) stream and "max_to\u212aens" (the Kelvin sign) max_tokens.
// The first byte rules out almost every other key: only ASCII letters, ſ (0xC5 0xBF) and K
// (0xE2 0x84 0xAA) fold to ASCII letters, and no name starts with k.
func fieldOf(key []byte) field {
	if len(key) == 0 || len(key) > 3*len("max_completion_tokens") {
		return noField
	}
	k := str(key)
	switch key[0] | 0x20 {
	case 'm':
		for _, f := range [...]field{fieldModel, fieldMaxTokens, fieldMaxCompletionTokens} {
			if strings.EqualFold(k, fieldNames[f]) {
				return f
			}
		}
	case 's', 0xC5 | 0x20:
		for _, f := range [...]field{fieldStream, fieldOptions} {
			if strings.EqualFold(k, fieldNames[f]) {
				return f
			}
		}
	case 'n':
		if len(key) == 1 {
			return fieldN
		}
	}
	return noField
}

// maxOptions bounds the members of stream_options (OpenAI defines two), which are compared
// with each other.
const maxOptions = 32

// str views b as a string without copying; b must not change while the result is in use.
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// bs views s (a part of a body seen through str) as bytes again, without copying.
func bs(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// ParseRequest reads a request body: validates it, then goes through its top-level keys once.
// A missing model is an error only when required; two keys that name one field the plugin
// reads (or two members of stream_options that fold to one name) are always one.
func ParseRequest(body []byte, modelRequired bool) (Request, error) {
	r := Request{modelAt: -1, optionsAt: -1, usageAt: -1, MaxTokens: -1, MaxCompletionTokens: -1, N: -1}
	if !gjson.ValidBytes(body) {
		return r, ErrNotJSON
	}
	start := skipSpace(body, 0)
	if start >= len(body) || body[start] != '{' {
		return r, ErrNotJSON
	}
	var vals [numFields]rawValue
	var err error
	keys := 0
	take := func(dst *rawValue, name string, value []byte, at int) bool {
		if dst.found {
			err = duplicateError(name)
			return false
		}
		*dst = rawValue{value, at, true}
		return true
	}
	fast := members(body[start:], func(key, value []byte, at int) bool {
		keys++
		if f := fieldOf(key); f != noField {
			return take(&vals[f], fieldNames[f], value, start+at)
		}
		return true
	})
	if !fast {
		// A key with an escape (mod\u0065l is model too): gjson decodes the keys.
		vals, keys, err = [numFields]rawValue{}, 0, nil
		gjson.Parse(str(body)).ForEach(func(k, v gjson.Result) bool {
			keys++
			if f := fieldOf(bs(k.Str)); f != noField {
				return take(&vals[f], fieldNames[f], bs(v.Raw), v.Index)
			}
			return true
		})
	}
	if err != nil {
		return r, err
	}
	model, stream, options := vals[fieldModel], vals[fieldStream], vals[fieldOptions]
	r.empty = keys == 0
	r.closeAt = bytes.LastIndexByte(body, '}')
	r.Stream = string(stream.raw) == "true"
	r.MaxTokens, r.MaxCompletionTokens, r.N = vals[fieldMaxTokens].int(), vals[fieldMaxCompletionTokens].int(), vals[fieldN].int()
	if options.found {
		r.optionsAt, r.optionsEnd = options.at, options.at+len(options.raw)
		if options.raw[0] == '{' {
			var usage rawValue
			var names [maxOptions]string
			n := 0
			readOptions := func(key string, value []byte, at int) bool {
				if n == maxOptions {
					err = errors.New("the request body's stream_options has more than " + strconv.Itoa(maxOptions) + " members")
					return false
				}
				for _, prev := range names[:n] {
					if strings.EqualFold(prev, key) {
						err = duplicateError("stream_options." + key)
						return false
					}
				}
				names[n] = key
				n++
				if strings.EqualFold(key, "include_usage") {
					return take(&usage, "stream_options.include_usage", value, options.at+at)
				}
				return true
			}
			if !members(options.raw, func(key, value []byte, at int) bool { return readOptions(str(key), value, at) }) {
				usage, err, n = rawValue{}, nil, 0
				gjson.Parse(str(options.raw)).ForEach(func(k, v gjson.Result) bool {
					return readOptions(k.Str, bs(v.Raw), v.Index)
				})
			}
			if err != nil {
				return r, err
			}
			r.IncludeUsage = string(usage.raw) == "true"
			if usage.found {
				r.usageAt, r.usageEnd = usage.at, usage.at+len(usage.raw)
			}
		}
	}
	switch {
	case model.found && model.raw[0] == '"':
		if r.Model = jsonString(model.raw); r.Model == "" {
			return r, ErrNoModel
		}
		r.modelAt, r.modelEnd = model.at, model.at+len(model.raw)
	case model.found && string(model.raw) != "null":
		return r, ErrNoModel
	case modelRequired:
		return r, ErrNoModel
	}
	return r, nil
}

// rawValue is a member's value as it is in the body, and where.
type rawValue struct {
	raw   []byte
	at    int
	found bool
}

// int is the value when it is an integer written plainly, else -1.
func (v rawValue) int() int64 {
	if n, ok := plainInt(v.raw); ok && v.found {
		return n
	}
	return -1
}

// jsonString decodes a JSON string literal (with its quotes), copying it.
func jsonString(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	return gjson.Parse(str(raw)).Str
}

// edit replaces body[at:end] with text.
type edit struct {
	at, end int
	text    string
}

// RewriteRequest sets the model (when it changes) and, with askUsage, asks a stream for its
// usage; every other byte of the body stays as the client sent it. body must be the one r was
// read from; when nothing changes, body itself is returned.
func RewriteRequest(body []byte, r Request, model string, askUsage bool) ([]byte, error) {
	var edits [2]edit
	n := 0
	if model != r.Model {
		if r.modelAt < 0 {
			return nil, ErrNoModel
		}
		edits[n] = edit{r.modelAt, r.modelEnd, string(appendQuoted(nil, model))}
		n++
	}
	if askUsage && !r.IncludeUsage {
		switch {
		case r.usageAt >= 0:
			edits[n] = edit{r.usageAt, r.usageEnd, "true"}
		case r.optionsAt >= 0 && body[r.optionsAt] == '{':
			// Inside the object, before its other keys.
			text := `"include_usage":true`
			if !emptyObject(body[r.optionsAt:r.optionsEnd]) {
				text += ","
			}
			edits[n] = edit{r.optionsAt + 1, r.optionsAt + 1, text}
		case r.optionsAt >= 0:
			// null, or what no API accepts: the plugin's own options instead.
			edits[n] = edit{r.optionsAt, r.optionsEnd, `{"include_usage":true}`}
		default:
			text := `,"stream_options":{"include_usage":true}`
			if r.empty {
				text = text[1:]
			}
			edits[n] = edit{r.closeAt, r.closeAt, text}
		}
		n++
	}
	if n == 0 {
		return body, nil
	}
	if n == 2 && edits[1].at < edits[0].at {
		edits[0], edits[1] = edits[1], edits[0]
	}
	size := len(body)
	for _, e := range edits[:n] {
		size += len(e.text) - (e.end - e.at)
	}
	out := make([]byte, 0, size)
	pos := 0
	for _, e := range edits[:n] {
		out = append(out, body[pos:e.at]...)
		out = append(out, e.text...)
		pos = e.end
	}
	return append(out, body[pos:]...), nil
}

func emptyObject(raw []byte) bool {
	return len(bytes.TrimSpace(raw[1:len(raw)-1])) == 0
}

const hexDigits = "0123456789abcdef"

// appendQuoted appends s as a JSON string (s is valid UTF-8: it comes from JSON).
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// Usage is what a response reports it cost. Input includes Cached, Output includes Reasoning,
// as OpenAI counts them.
type Usage struct {
	Model                            string
	Input, Output, Cached, Reasoning int64
	// Found: the response reported prompt_tokens or completion_tokens. Without, it reported no
	// usage (which is not 0 tokens).
	Found bool
	// HasCached, HasReasoning: prompt_tokens_details.cached_tokens and
	// completion_tokens_details.reasoning_tokens were given.
	HasCached, HasReasoning bool
}

// Total is input plus output tokens.
func (u Usage) Total() int64 { return u.Input + u.Output }

// first keeps the first of duplicate keys, as gjson.Get does.
func first(dst *gjson.Result, v gjson.Result) {
	if !dst.Exists() {
		*dst = v
	}
}

// readUsage reads a usage object: with the scanner when it can, else with gjson.
func readUsage(obj []byte) Usage {
	var u Usage
	var in, out, cached, reasoning bool
	ok := members(obj, func(key, value []byte, _ int) bool {
		var dst *int64
		switch {
		case !in && string(key) == "prompt_tokens":
			dst, in = &u.Input, true
		case !out && string(key) == "completion_tokens":
			dst, out = &u.Output, true
		case !cached && string(key) == "prompt_tokens_details":
			cached = true
			u.Cached, u.HasCached = detail(value, "cached_tokens")
			return true
		case !reasoning && string(key) == "completion_tokens_details":
			reasoning = true
			u.Reasoning, u.HasReasoning = detail(value, "reasoning_tokens")
			return true
		default:
			return true
		}
		*dst = number(value)
		return true
	})
	if !ok {
		return readUsageSlow(gjson.Parse(str(obj)))
	}
	u.Found = in || out
	return u
}

// number reads a token count: plainly written, or whatever gjson makes of it.
func number(value []byte) int64 {
	n, plain := plainInt(value)
	if !plain {
		n = gjson.Parse(str(value)).Int()
	}
	return n
}

// detail reads the member key of a details object (prompt_tokens_details...).
func detail(details []byte, key string) (int64, bool) {
	var n int64
	found := false
	ok := members(details, func(k, value []byte, _ int) bool {
		if string(k) != key {
			return true
		}
		found = true
		n = number(value)
		return false
	})
	if !ok && !found {
		v := gjson.Parse(str(details)).Get(key)
		return v.Int(), v.Exists()
	}
	return n, found
}

// readUsageSlow reads a usage object with gjson.
func readUsageSlow(u gjson.Result) Usage {
	var in, out, cached, reasoning gjson.Result
	u.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "prompt_tokens":
			first(&in, v)
		case "completion_tokens":
			first(&out, v)
		case "prompt_tokens_details":
			first(&cached, v)
		case "completion_tokens_details":
			first(&reasoning, v)
		}
		return true
	})
	c, r := cached.Get("cached_tokens"), reasoning.Get("reasoning_tokens")
	return Usage{Input: in.Int(), Output: out.Int(), Cached: c.Int(), Reasoning: r.Int(),
		Found: in.Exists() || out.Exists(), HasCached: c.Exists(), HasReasoning: r.Exists()}
}

// UsageFromBody reads the usage of a whole (non-streamed) response. OpenAI puts usage near the
// end: the last "usage" key is read from there when it is the top-level one, and the model from
// the start, without going through the answer in between; otherwise the top-level keys are read
// in one pass. The body comes from the provider and is not validated first: gjson reads invalid
// JSON without failing, and the worst a broken body can do is report wrong numbers.
func UsageFromBody(body []byte) Usage {
	if u, ok := lastUsage(body); ok {
		u.Model = topString(body, "model")
		return u
	}
	var model, usage gjson.Result
	gjson.Parse(str(body)).ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "model":
			first(&model, v)
		case "usage":
			first(&usage, v)
		}
		return true
	})
	u := Usage{}
	if usage.IsObject() {
		u = readUsage(bs(usage.Raw))
	}
	u.Model = strings.Clone(model.Str)
	return u
}

// topString is the top-level string member key of obj ("" when absent or not a string), read
// from the start: the scanner stops at it.
func topString(obj []byte, key string) string {
	var v []byte
	if !members(obj, func(k, value []byte, _ int) bool {
		if string(k) == key {
			v = value
			return false
		}
		return true
	}) {
		return strings.Clone(gjson.GetBytes(obj, key).Str)
	}
	if len(v) < 2 || v[0] != '"' {
		return ""
	}
	return jsonString(v)
}

// lastUsage reads the last "usage" key's object when that key is a member of the top-level
// object: what follows its object closes exactly the top-level object, at the end of the body.
func lastUsage(body []byte) (Usage, bool) {
	i := lastUsageKey(body)
	if i < 0 {
		return Usage{}, false
	}
	// A key: right after { or , (not a string value that happens to be "usage").
	j := i - 1
	for j >= 0 && isSpace(body[j]) {
		j--
	}
	if j < 0 || (body[j] != ',' && body[j] != '{') {
		return Usage{}, false
	}
	k := skipSpace(body, i+len(`"usage"`))
	if k >= len(body) || body[k] != ':' {
		return Usage{}, false
	}
	k = skipSpace(body, k+1)
	if k >= len(body) || body[k] != '{' {
		return Usage{}, false
	}
	end := k + valueEnd(body[k:])
	if end < k || closesAtEnd(body[end:]) < 0 {
		return Usage{}, false
	}
	return readUsage(body[k:end]), true
}

// lastUsageKey is where the last "usage" (with its quotes) starts in body, -1 if nowhere. It
// goes back from g to g (rare in a response) rather than matching the whole word at every byte.
func lastUsageKey(body []byte) int {
	for end := len(body); ; {
		g := bytes.LastIndexByte(body[:end], 'g')
		if g < 0 {
			return -1
		}
		if g >= 4 && g+2 < len(body) && string(body[g-4:g+2]) == `"usage` && body[g+2] == '"' {
			return g - 4
		}
		end = g
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// closesAtEnd scans what follows a value inside an object: it returns where the enclosing
// object closes if that is the last byte of b but for spaces, else -1.
func closesAtEnd(b []byte) int {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				if b[i] == '}' && skipSpace(b, i+1) == len(b) {
					return i
				}
				return -1
			}
		case '"':
			i = stringEnd(b, i)
		}
	}
	return -1
}

// stringEnd is the index of the quote closing the string whose opening quote is at b[i]
// (len(b) if none): the next quote not escaped, that is not after an odd run of backslashes.
// IndexByte finds quotes many bytes at a time, where a loop would test every byte of the text.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		q := j + k
		slashes := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			slashes++
		}
		if slashes%2 == 0 {
			return q
		}
		j = q + 1
	}
	return len(b)
}

// valueEnd is the length of the object or array b starts with, -1 when it does not end.
func valueEnd(b []byte) int {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		case '"':
			i = stringEnd(b, i)
		}
	}
	return -1
}

// AnswerText is the text of the first choice of a chat completion (prompt mode).
func AnswerText(body []byte) (string, bool) {
	v := gjson.GetBytes(body, "choices.0.message.content")
	return v.Str, v.Type == gjson.String
}

// PromptRequest is the chat completion a prompt-mode request becomes.
func PromptRequest(model, prompt string) []byte {
	type message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	b, _ := json.Marshal(struct {
		Model    string    `json:"model"`
		Messages []message `json:"messages"`
	}{model, []message{{"user", prompt}}})
	return b
}

// ErrorBody is an error in OpenAI's shape.
func ErrorBody(message, typ, code string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{"error": map[string]any{"message": message, "type": typ, "param": nil, "code": code}})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// ModelList is /v1/models' answer.
func ModelList(models []string, owner string) []byte {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	list := make([]model, len(models))
	for i, m := range models {
		list[i] = model{ID: m, Object: "model", OwnedBy: owner}
	}
	b, _ := json.Marshal(struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{"list", list})
	return b
}
