package requestblock

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestViewKeepsUnknownFieldsAndWritesBothBodySpellings(t *testing.T) {
	raw := decode(t, `{"block_bodys": ["password", "secret"], "block_urls": ["/admin"], "case_sensitive": false, "blocked_code": 418, "x_extra": {"keep": [1]}}`)
	c, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := []Word{{"/admin", InURL}, {"password", InBody}, {"secret", InBody}}
	if got := c.Words(); !reflect.DeepEqual(got, want) {
		t.Fatalf("words %v", got)
	}
	if added, err := c.Add(Word{"api_key", InBody}); !added || err != nil {
		t.Fatalf("add: %v %v", added, err)
	}
	// The C++ build reads block_bodys only, the Go build block_bodies only: both get the list.
	for _, field := range []string{"block_bodys", "block_bodies"} {
		if got := raw[field]; !reflect.DeepEqual(got, []any{"password", "secret", "api_key"}) {
			t.Fatalf("%s %v", field, got)
		}
	}
	if raw["x_extra"] == nil || c.BlockedCode() != 418 {
		t.Fatal("unknown field lost or blocked_code misread")
	}
	if added, _ := c.Add(Word{"password", InBody}); added {
		t.Fatal("a duplicate word was added")
	}
	if !c.Remove(Word{"/admin", InURL}) || c.Remove(Word{"/admin", InURL}) {
		t.Fatal("remove")
	}
	if _, ok := raw["block_urls"]; ok {
		t.Fatal("an emptied list was left behind")
	}
	if !c.Remove(Word{"secret", InBody}) {
		t.Fatal("remove body word")
	}
	for _, field := range []string{"block_bodys", "block_bodies"} {
		if got := raw[field]; !reflect.DeepEqual(got, []any{"password", "api_key"}) {
			t.Fatalf("after remove %s %v", field, got)
		}
	}
}

func TestBodyWordUnderOneSpellingIsWrittenUnderBoth(t *testing.T) {
	for _, field := range []string{"block_bodies", "block_bodys"} {
		raw := decode(t, `{"`+field+`": ["password"], "block_headers": ["x-a"]}`)
		c, _ := Parse(raw)
		// Present for one build only: adding it again is a change that puts it in force for both.
		if added, _ := c.Add(Word{"password", InBody}); !added {
			t.Fatalf("%s: a word the other build does not read counted as present", field)
		}
		if !reflect.DeepEqual(raw["block_bodies"], raw["block_bodys"]) {
			t.Fatalf("%s: spellings differ: %v", field, raw)
		}
		if added, _ := c.Add(Word{"password", InBody}); added {
			t.Fatalf("%s: second add changed the config", field)
		}
		if got := c.Words(); len(got) != 2 {
			t.Fatalf("%s: words %v", field, got)
		}
		// Any edit of the config puts every body word under both spellings.
		raw = decode(t, `{"`+field+`": ["password"], "block_headers": ["x-a"]}`)
		c, _ = Parse(raw)
		if added, _ := c.Add(Word{"x-b", InHeader}); !added || !reflect.DeepEqual(raw["block_bodies"], []any{"password"}) || !reflect.DeepEqual(raw["block_bodys"], []any{"password"}) {
			t.Fatalf("%s: header add left the body spellings apart: %v", field, raw)
		}
	}
}

func TestEmptyCountsOnlyWhatMakesAConfigLoad(t *testing.T) {
	for _, tc := range []struct {
		config string
		empty  bool
	}{
		{`{}`, true},
		{`{"block_exact_urls": ["/x"], "block_regexp_urls": ["^/y"]}`, true},
		{`{"block_urls": ["/x"]}`, false},
		{`{"block_headers": ["x"]}`, false},
		{`{"block_bodys": ["x"]}`, false},
	} {
		c, _ := Parse(decode(t, tc.config))
		if c.Empty() != tc.empty {
			t.Errorf("Empty(%s) = %v", tc.config, !tc.empty)
		}
	}
}

func TestBuildOf(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want Build
	}{
		{"oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/request-block:2.0.0", CPP},
		{"higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/request-block:1.0.0", CPP},
		{"oci://higress-registry.us-west-1.cr.aliyuncs.com/plugins/request-block@sha256:abcd", CPP},
		{"oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/request-block-go:1.0.0", Go},
		{"oci://example/request-block:2.0.0", Go},
		{"https://example.com/request-block/plugin.wasm", Go},
		{"file:///opt/plugins/request-block.wasm", Go},
	} {
		if got := BuildOf(tc.url); got != tc.want {
			t.Errorf("BuildOf(%q) = %v, want %v", tc.url, got, tc.want)
		}
	}
}

func TestParseAndWordErrors(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{`{"block_bodies": "password"}`, "block_bodies: must be a list of strings"},
		{`{"block_urls": [1]}`, "block_urls[0]: must be a string"},
		{`{"case_sensitive": "yes"}`, "case_sensitive: must be true or false"},
		{`{"blocked_code": "403"}`, "blocked_code: must be a number"},
	} {
		if _, err := Parse(decode(t, tc.config)); err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%s) = %v, want %q", tc.config, err, tc.want)
		}
	}
	for _, tc := range []struct {
		w    Word
		want string
	}{
		{Word{"", InBody}, "empty word"},
		{Word{"   ", InBody}, "empty word"},
		{Word{"a(b", InURLRegex}, `invalid regex "a(b"`},
		{Word{"x", "cookie"}, `unknown place "cookie"`},
	} {
		if err := CheckWord(tc.w); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckWord(%v) = %v, want %q", tc.w, err, tc.want)
		}
	}
}

func TestCaseSensitiveDefaultAndCode(t *testing.T) {
	c, _ := Parse(decode(t, `{"block_bodies": ["x"]}`))
	if v, set := c.CaseSensitive(CPP); !v || set {
		t.Fatalf("unset case_sensitive = %v set %v, want the C++ build's true, unset", v, set)
	}
	if v, set := c.CaseSensitive(Go); v || set {
		t.Fatalf("unset case_sensitive = %v set %v, want the Go build's false, unset", v, set)
	}
	if c.BlockedCode() != 403 || c.BlockedMessage() != "" {
		t.Fatal("defaults")
	}
	c.SetCaseSensitive(false)
	if v, set := c.CaseSensitive(CPP); v || !set {
		t.Fatal("SetCaseSensitive")
	}
	odd, _ := Parse(decode(t, `{"block_bodies": ["x"], "blocked_code": 99}`))
	if odd.BlockedCode() != 403 {
		t.Fatal("an out-of-range blocked_code must fall back to 403 as the plugin does")
	}
}

func TestEvaluate(t *testing.T) {
	chat := func(content string) []byte {
		return []byte(`{"model":"gpt-4o","messages":[{"role":"user","content":"` + content + `"}]}`)
	}
	cases := []struct {
		name     string
		build    Build
		config   string
		req      Request
		blocked  *Word
		code     int
		warnings []string // substrings expected among the warnings
	}{
		{"body keyword, insensitive", Go, `{"block_bodies":["password"],"case_sensitive":false}`, Request{Body: chat("my PassWord is 123")}, &Word{"password", InBody}, 403, nil},
		{"body keyword, sensitive miss", Go, `{"block_bodies":["password"],"case_sensitive":true}`, Request{Body: chat("my PassWord is 123")}, nil, 0, []string{`contains "password" in another case`}},
		{"json escape is not matched", Go, `{"block_bodies":["password"],"case_sensitive":false}`, Request{Body: chat(`my \u0070assword is 123`)}, nil, 0, []string{`\u0070assword`}},
		{"clean body passes", Go, `{"block_bodies":["password"],"case_sensitive":false}`, Request{Body: chat("hello")}, nil, 0, nil},
		{"url keyword matches the query", Go, `{"block_urls":["token="],"case_sensitive":false}`, Request{Path: "/v1/chat?TOKEN=abc"}, &Word{"token=", InURL}, 403, nil},
		{"exact url", Go, `{"block_urls":["/never"],"block_exact_urls":["/swagger.html?foo=bar"],"case_sensitive":true}`, Request{Path: "/swagger.html?foo=bar"}, &Word{"/swagger.html?foo=bar", InURLExact}, 403, nil},
		{"exact url is whole", Go, `{"block_urls":["/never"],"block_exact_urls":["/swagger.html"],"case_sensitive":true}`, Request{Path: "/swagger.html?x=1"}, nil, 0, nil},
		{"regex is unanchored", Go, `{"block_urls":["/never"],"block_regexp_urls":["/v1/.*/admin"],"case_sensitive":true}`, Request{Path: "/api/v1/x/admin/y"}, &Word{"/v1/.*/admin", InURLRegex}, 403, nil},
		{"exact and regex need a keyword url rule", Go, `{"block_exact_urls":["/x"],"block_bodies":["zzz"],"case_sensitive":true}`, Request{Path: "/x"}, nil, 0, []string{"checked only when at least one keyword URL rule"}},
		{"header value", Go, `{"block_headers":["curl/"],"case_sensitive":false,"blocked_code":429,"blocked_message":"go away"}`, Request{Headers: [][2]string{{"user-agent", "Curl/8.0"}}}, &Word{"curl/", InHeader}, 429, nil},
		{"header name", Go, `{"block_headers":["x-debug"],"case_sensitive":false}`, Request{Headers: [][2]string{{"X-Debug", "1"}}}, &Word{"x-debug", InHeader}, 403, nil},
		{"pseudo-header authority", Go, `{"block_headers":["internal.example"],"case_sensitive":false}`, Request{Headers: [][2]string{{":authority", "internal.example.com"}}}, &Word{"internal.example", InHeader}, 403, nil},
		{"url before body", Go, `{"block_urls":["/admin"],"block_bodies":["password"],"case_sensitive":false}`, Request{Path: "/admin", Body: []byte("password")}, &Word{"/admin", InURL}, 403, nil},
		{"unset case_sensitive warns", Go, `{"block_bodies":["password"]}`, Request{Body: []byte("password")}, &Word{"password", InBody}, 403, []string{"case_sensitive is not set"}},
		{"huge body passes", Go, `{"block_bodies":["x"],"case_sensitive":false}`, Request{Body: []byte(strings.Repeat("x", MaxBody+1))}, nil, 0, []string{"over 32 MiB"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(decode(t, tc.config))
			if err != nil {
				t.Fatal(err)
			}
			v := Evaluate(c, tc.req, tc.build)
			if v.Build != tc.build {
				t.Fatalf("build %q", v.Build)
			}
			if v.Blocked != (tc.blocked != nil) || (tc.blocked != nil && (*v.Rule != *tc.blocked || v.Code != tc.code)) {
				t.Fatalf("verdict %+v rule %v, want %v code %d", v, v.Rule, tc.blocked, tc.code)
			}
			joined := strings.Join(v.Warnings, "\n")
			for _, w := range tc.warnings {
				if !strings.Contains(joined, w) {
					t.Errorf("warnings lack %q: %q", w, v.Warnings)
				}
			}
			if tc.warnings == nil && len(v.Warnings) != 0 {
				t.Errorf("unexpected warnings %q", v.Warnings)
			}
		})
	}
}

func TestMessageOfHeaderRule(t *testing.T) {
	c, _ := Parse(decode(t, `{"block_headers":["curl/"],"case_sensitive":false,"blocked_code":429,"blocked_message":"go away"}`))
	if v := Evaluate(c, Request{Headers: [][2]string{{"user-agent", "curl/8"}}}, Go); v.Message != "go away" {
		t.Fatalf("message %q", v.Message)
	}
}
