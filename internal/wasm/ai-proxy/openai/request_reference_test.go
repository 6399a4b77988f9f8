package openai

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// refParseRequest is the first ParseRequest, all gjson: what the scanner-based one must find,
// for any body.
// plainNumber is an integer as the plugin reads one: at most 15 digits.
var plainNumber = regexp.MustCompile(`^-?[0-9]{1,15}$`)

func refParseRequest(body []byte, modelRequired bool) (Request, error) {
	r := Request{modelAt: -1, optionsAt: -1, usageAt: -1, MaxTokens: -1, MaxCompletionTokens: -1, N: -1}
	if !gjson.ValidBytes(body) {
		return r, ErrNotJSON
	}
	v := gjson.ParseBytes(body)
	if !v.IsObject() {
		return r, ErrNotJSON
	}
	var err error
	var vals [numFields]gjson.Result
	seen := func(dst *gjson.Result, key string, value gjson.Result) bool {
		if dst.Exists() {
			err = duplicateError(key)
			return false
		}
		*dst = value
		return true
	}
	keys := 0
	v.ForEach(func(k, value gjson.Result) bool {
		keys++
		// Every name, compared as Go's encoding/json compares keys (bytes.EqualFold).
		for f := fieldModel; f < numFields; f++ {
			if bytes.EqualFold([]byte(k.Str), []byte(fieldNames[f])) {
				return seen(&vals[f], fieldNames[f], value)
			}
		}
		return true
	})
	if err != nil {
		return r, err
	}
	model, stream, options := vals[fieldModel], vals[fieldStream], vals[fieldOptions]
	integer := func(v gjson.Result) int64 {
		if n, err := strconv.ParseInt(v.Raw, 10, 64); err == nil && plainNumber.MatchString(v.Raw) {
			return n
		}
		return -1
	}
	r.MaxTokens, r.MaxCompletionTokens, r.N = integer(vals[fieldMaxTokens]), integer(vals[fieldMaxCompletionTokens]), integer(vals[fieldN])
	r.empty = keys == 0
	r.closeAt = bytes.LastIndexByte(body, '}')
	r.Stream = stream.Type == gjson.True
	if options.Exists() {
		r.optionsAt, r.optionsEnd = options.Index, options.Index+len(options.Raw)
		if options.IsObject() {
			var usage gjson.Result
			var names []string
			options.ForEach(func(k, value gjson.Result) bool {
				if len(names) == maxOptions {
					err = errors.New("the request body's stream_options has more than " + strconv.Itoa(maxOptions) + " members")
					return false
				}
				for _, prev := range names {
					if bytes.EqualFold([]byte(prev), []byte(k.Str)) {
						err = duplicateError("stream_options." + k.Str)
						return false
					}
				}
				names = append(names, k.Str)
				if bytes.EqualFold([]byte(k.Str), []byte("include_usage")) {
					return seen(&usage, "stream_options.include_usage", value)
				}
				return true
			})
			if err != nil {
				return r, err
			}
			r.IncludeUsage = usage.Type == gjson.True
			if usage.Exists() {
				r.usageAt, r.usageEnd = usage.Index, usage.Index+len(usage.Raw)
			}
		}
	}
	switch {
	case model.Type == gjson.String && model.Str != "":
		r.Model = strings.Clone(model.Str)
		r.modelAt, r.modelEnd = model.Index, model.Index+len(model.Raw)
	case model.Exists() && model.Type != gjson.Null:
		return r, ErrNoModel
	case modelRequired:
		return r, ErrNoModel
	}
	return r, nil
}

func FuzzParseRequestMatchesReference(f *testing.F) {
	f.Add([]byte(`{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":false}}`), "m")
	f.Add([]byte(`{"mod\u0065l":"a","model":"b"}`), "m")
	f.Add([]byte(` { "model" : "a\"b" , "stream_options" : { "x" : [1,{"y":"}"}] , "include_usage" : true } } `), "c")
	f.Add([]byte(`{"stream_options":{"include\u005fusage":true},"model":null}`), "d")
	f.Add([]byte(`{"Model":"a","\u017ftream":true,"STREAM_OPTIONS":{"Include_Usage":true},"max_to\u212aens":5,"N":2}`), "e")
	f.Add([]byte(`{"model":"a","stream_options":{"x":1,"X":2}}`), "f")
	f.Fuzz(func(t *testing.T, body []byte, model string) {
		got, err := ParseRequest(body, true)
		want, wantErr := refParseRequest(body, true)
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("%q: error %v, reference %v", body, err, wantErr)
		}
		if err != nil {
			return
		}
		if got != want {
			t.Fatalf("%q:\n%+v\nreference\n%+v", body, got, want)
		}
		a, errA := RewriteRequest(body, got, model, true)
		b, errB := RewriteRequest(body, want, model, true)
		if !bytes.Equal(a, b) || (errA == nil) != (errB == nil) {
			t.Fatalf("%q: rewrites differ: %q %v / %q %v", body, a, errA, b, errB)
		}
	})
}

func TestParseRequestMatchesReference(t *testing.T) {
	for _, body := range []string{
		`{"model":"gpt-4","messages":[{"role":"user","content":"a \u00e9 \"q\" }{"}],"n":1,"stream":true}`,
		`{"model":"a","stream":"true"}`,
		`{"model":"a","stream_options":{"include_usage":1}}`,
		`{"model":"","x":1}`,
		`{"model":"\u0000x"}`,
		`{"stream_options":[],"model":"m"}`,
		`{"model":"m","x":{"model":"n"}}`,
		`{"a":1,"b\"c":2,"model":"m"}`,
	} {
		got, err := ParseRequest([]byte(body), true)
		want, wantErr := refParseRequest([]byte(body), true)
		if got != want || (err == nil) != (wantErr == nil) {
			t.Errorf("%s: %+v %v, reference %+v %v", body, got, err, want, wantErr)
		}
	}
}
