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

func TestViewKeepsUnknownFieldsAndMovesBodysToBodies(t *testing.T) {
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
	// The same words under both spellings: a C++ build older than v2.0.5 reads block_bodys only,
	// the Go build block_bodies only (plugin.cc parsePluginConfig; main.go).
	for _, f := range []string{"block_bodies", "block_bodys"} {
		if got := raw[f]; !reflect.DeepEqual(got, []any{"password", "secret", "api_key"}) {
			t.Fatalf("%s %v", f, got)
		}
	}
	if raw["x_extra"] == nil || CPP.BlockedCode(c) != 418 {
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
	if !c.Remove(Word{"secret", InBody}) || !reflect.DeepEqual(raw["block_bodies"], []any{"password", "api_key"}) || !reflect.DeepEqual(raw["block_bodys"], []any{"password", "api_key"}) {
		t.Fatalf("after remove %v", raw)
	}
}

func TestBodyWordUnderBodysOnlyIsWrittenToBodies(t *testing.T) {
	raw := decode(t, `{"block_bodys": ["password"], "block_headers": ["x-a"]}`)
	c, _ := Parse(raw)
	// Present for the C++ build only (main.go reads block_bodies): adding it again is a change.
	if added, _ := c.Add(Word{"password", InBody}); !added {
		t.Fatal("a word the Go build does not read counted as present")
	}
	if !reflect.DeepEqual(raw["block_bodies"], []any{"password"}) || !reflect.DeepEqual(raw["block_bodys"], []any{"password"}) {
		t.Fatalf("spellings: %v", raw)
	}
	// Any edit brings the spellings together; a config with block_bodies only keeps its fields.
	raw = decode(t, `{"block_bodys": ["password"], "block_headers": ["x-a"]}`)
	c, _ = Parse(raw)
	if added, _ := c.Add(Word{"x-b", InHeader}); !added || !reflect.DeepEqual(raw["block_bodies"], []any{"password"}) || !reflect.DeepEqual(raw["block_bodys"], []any{"password"}) {
		t.Fatalf("header add left block_bodys: %v", raw)
	}
	raw = decode(t, `{"block_bodies": [], "block_headers": ["x-a"]}`)
	c, _ = Parse(raw)
	if _, _ = c.Add(Word{"x-b", InHeader}); raw["block_bodies"] == nil {
		t.Fatal("an edit dropped a field it had no reason to touch")
	}
	// The console writes block_bodies only, so its gateway reads that: it keeps one spelling, and
	// a later console edit of block_bodies is not undone by a stale block_bodys.
	raw = decode(t, `{"block_bodies": ["password"]}`)
	c, _ = Parse(raw)
	if added, _ := c.Add(Word{"secret", InBody}); !added || !reflect.DeepEqual(raw["block_bodies"], []any{"password", "secret"}) || raw["block_bodys"] != nil {
		t.Fatalf("a console config got a second spelling: %v", raw)
	}
	// A fresh config gets both.
	raw = decode(t, `{}`)
	c, _ = Parse(raw)
	if _, _ = c.Add(Word{"secret", InBody}); !reflect.DeepEqual(raw["block_bodys"], []any{"secret"}) || !reflect.DeepEqual(raw["block_bodies"], []any{"secret"}) {
		t.Fatalf("a fresh config: %v", raw)
	}
}

func TestLoadsPerBuild(t *testing.T) {
	for _, tc := range []struct {
		config   string
		cpp, go_ bool
	}{
		{`{}`, false, false},
		// plugin.cc parsePluginConfig: refuses only when all five lists are empty.
		// main.go parseConfig: exact and regex URL rules do not count.
		{`{"block_exact_urls": ["/x"], "block_regexp_urls": ["/y"]}`, true, false},
		{`{"block_urls": ["/x"]}`, true, true},
		{`{"block_headers": ["x"]}`, true, true},
		// plugin.cc reads block_bodys and block_bodies; main.go block_bodies only.
		{`{"block_bodys": ["x"]}`, true, false},
		{`{"block_bodies": ["x"]}`, true, true},
		// main.go skips empty entries (`if body == "" { continue }`); plugin.cc keeps them.
		{`{"block_bodies": [""]}`, true, false},
		// Both compile block_regexp_urls lower-cased when case_sensitive is false: (?U) becomes
		// (?u), which neither RE2 (plugin.cc returns false) nor Go (MustCompile panics) takes.
		{`{"block_urls": ["/x"], "block_regexp_urls": ["(?U)/y+"], "case_sensitive": false}`, false, false},
		{`{"block_urls": ["/x"], "block_regexp_urls": ["(?U)/y+"], "case_sensitive": true}`, true, true},
	} {
		c, err := Parse(decode(t, tc.config))
		if err != nil {
			t.Fatal(err)
		}
		if CPP.Loads(c) != tc.cpp || Go.Loads(c) != tc.go_ {
			t.Errorf("Loads(%s): C++ %v Go %v, want %v %v", tc.config, CPP.Loads(c), Go.Loads(c), tc.cpp, tc.go_)
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
	// plugin.h: bool case_sensitive = true; main.go: json.Get("case_sensitive").Bool() is false.
	if v, set := c.CaseSensitive(CPP); !v || set {
		t.Fatalf("unset case_sensitive = %v set %v, want the C++ build's true, unset", v, set)
	}
	if v, set := c.CaseSensitive(Go); v || set {
		t.Fatalf("unset case_sensitive = %v set %v, want the Go build's false, unset", v, set)
	}
	if CPP.BlockedCode(c) != 403 || Go.BlockedCode(c) != 403 || c.BlockedMessage() != "" {
		t.Fatal("defaults")
	}
	c.SetCaseSensitive(false)
	if v, set := c.CaseSensitive(CPP); v || !set {
		t.Fatal("SetCaseSensitive")
	}
	for _, tc := range []struct{ code, cpp, go_ int }{
		// plugin.cc: rule.blocked_code = blocked_code.first.value(), as it is.
		// main.go parseConfig: `if code != 0 && code > 100 && code < 600` else 403.
		{600, 600, 403}, {99, 99, 403}, {100, 100, 403}, {101, 101, 101}, {599, 599, 599}, {429, 429, 429},
	} {
		odd, _ := Parse(map[string]any{"block_bodies": []any{"x"}, "blocked_code": float64(tc.code)})
		if CPP.BlockedCode(odd) != tc.cpp || Go.BlockedCode(odd) != tc.go_ {
			t.Errorf("blocked_code %d: C++ %d Go %d, want %d %d", tc.code, CPP.BlockedCode(odd), Go.BlockedCode(odd), tc.cpp, tc.go_)
		}
	}
}

func TestEvaluate(t *testing.T) {
	chat := func(content string) []byte {
		return []byte(`{"model":"gpt-4o","messages":[{"role":"user","content":"` + content + `"}]}`)
	}
	const console = `{"block_bodies":["password"]}` // what the console writes: no case_sensitive
	gzip := [][2]string{{"content-encoding", "identity"}}
	cases := []struct {
		name     string
		build    Build
		config   string
		req      Request
		blocked  *Word
		code     int
		warnings []string // substrings expected among the warnings
		bypass   bool
	}{
		// plugin.cc parsePluginConfig reads block_bodies ("compatiable") into block_bodys;
		// plugin.h: case_sensitive = true by default.
		{"console config, C++", CPP, console, Request{Body: chat("my password")}, &Word{"password", InBody}, 403, []string{"case_sensitive is not set"}, false},
		{"console config, C++, other case", CPP, console, Request{Body: chat("my PassWord")}, nil, 0, []string{"case_sensitive is not set", `contains "password" in another case: not blocked because case_sensitive is true`}, false},
		// main.go parseConfig: case_sensitive is gjson's Bool(), false when absent.
		{"console config, Go, other case", Go, console, Request{Body: chat("my PassWord")}, &Word{"password", InBody}, 403, []string{"case_sensitive is not set"}, false},
		// plugin.cc parsePluginConfig: block_bodys; main.go reads block_bodies only.
		{"block_bodys, C++", CPP, `{"block_bodys":["password"],"case_sensitive":true}`, Request{Body: chat("password")}, &Word{"password", InBody}, 403, nil, false},
		{"block_bodys, Go", Go, `{"block_bodys":["password"],"case_sensitive":true}`, Request{Body: chat("password")}, nil, 0, []string{"the Go build refuses to load", `reads block_bodies only, which lacks "password"`}, false},
		// plugin.cc checkHeader: exact (url == block_url), only inside `if (!rule.block_urls.empty())`.
		{"exact url, C++", CPP, `{"block_urls":["/never"],"block_exact_urls":["/swagger.html"],"case_sensitive":true}`, Request{Path: "/swagger.html"}, &Word{"/swagger.html", InURLExact}, 403, nil, false},
		{"exact url is whole, C++", CPP, `{"block_urls":["/never"],"block_exact_urls":["/swagger.html"],"case_sensitive":true}`, Request{Path: "/swagger.html?x=1"}, nil, 0, nil, false},
		// main.go onHttpRequestHeaders: `requestUrl == blockExactUrl`.
		{"exact url with query, Go", Go, `{"block_urls":["/never"],"block_exact_urls":["/swagger.html?foo=bar"],"case_sensitive":true}`, Request{Path: "/swagger.html?foo=bar"}, &Word{"/swagger.html?foo=bar", InURLExact}, 403, nil, false},
		// common/regex.h CompiledGoogleReMatcher::match: RE2::FullMatch.
		{"regex full match, C++", CPP, `{"block_urls":["/never"],"block_regexp_urls":["/v1/.*/admin"],"case_sensitive":true}`, Request{Path: "/v1/x/admin"}, &Word{"/v1/.*/admin", InURLRegex}, 403, nil, false},
		{"regex partial, C++", CPP, `{"block_urls":["/never"],"block_regexp_urls":["/v1/.*/admin"],"case_sensitive":true}`, Request{Path: "/api/v1/x/admin/y"}, nil, 0, []string{"matches part of the path only"}, false},
		// main.go: regExpObj.MatchString(requestUrl), unanchored.
		{"regex partial, Go", Go, `{"block_urls":["/never"],"block_regexp_urls":["/v1/.*/admin"],"case_sensitive":true}`, Request{Path: "/api/v1/x/admin/y"}, &Word{"/v1/.*/admin", InURLRegex}, 403, nil, false},
		// plugin.cc checkHeader: exact, regex, then keyword; main.go: exact, keyword, then regex.
		{"order, C++", CPP, `{"block_urls":["/admin"],"block_regexp_urls":["/admin.*"],"case_sensitive":true}`, Request{Path: "/admin/x"}, &Word{"/admin.*", InURLRegex}, 403, nil, false},
		{"order, Go", Go, `{"block_urls":["/admin"],"block_regexp_urls":["/admin.*"],"case_sensitive":true}`, Request{Path: "/admin/x"}, &Word{"/admin", InURL}, 403, nil, false},
		// Both: exact and regex are checked only when block_urls has an entry.
		{"exact without block_urls, C++", CPP, `{"block_exact_urls":["/x"],"block_headers":["zzz"],"case_sensitive":true}`, Request{Path: "/x"}, nil, 0, []string{"checked only when block_urls has an entry"}, false},
		{"exact without block_urls, Go", Go, `{"block_exact_urls":["/x"],"block_headers":["zzz"],"case_sensitive":true}`, Request{Path: "/x"}, nil, 0, []string{"checked only when block_urls has an entry"}, false},
		// plugin.cc loads a config with exact rules only (all five lists count); main.go does not.
		{"exact only loads, C++", CPP, `{"block_exact_urls":["/x"],"case_sensitive":true}`, Request{Path: "/x"}, nil, 0, []string{"checked only when block_urls has an entry"}, false},
		{"exact only refused, Go", Go, `{"block_exact_urls":["/x"],"case_sensitive":true}`, Request{Path: "/x"}, nil, 0, []string{"the Go build refuses to load", "checked only when block_urls"}, false},
		// plugin.cc: blocked_code as it is; main.go: 101-599 only.
		{"blocked_code 600, C++", CPP, `{"block_headers":["curl/"],"case_sensitive":false,"blocked_code":600}`, Request{Headers: [][2]string{{"user-agent", "curl/8"}}}, &Word{"curl/", InHeader}, 600, []string{"blocked_code 600"}, false},
		{"blocked_code 600, Go", Go, `{"block_headers":["curl/"],"case_sensitive":false,"blocked_code":600}`, Request{Headers: [][2]string{{"user-agent", "curl/8"}}}, &Word{"curl/", InHeader}, 403, []string{"blocked_code 600"}, false},
		// plugin.cc keeps an empty entry (StrContains(x, "") is true); main.go skips it.
		{"empty header entry, C++", CPP, `{"block_headers":[""],"case_sensitive":true}`, Request{Headers: [][2]string{{"x", "y"}}}, &Word{"", InHeader}, 403, []string{"an empty header entry matches every request"}, false},
		{"empty header entry, Go", Go, `{"block_headers":[""],"case_sensitive":true}`, Request{Headers: [][2]string{{"x", "y"}}}, nil, 0, []string{"the Go build refuses to load"}, false},
		// plugin.cc: absl::AsciiStrToLower; main.go: strings.ToLower.
		{"unicode fold, C++", CPP, `{"block_bodies":["Ärger"],"case_sensitive":false}`, Request{Body: []byte("ärger")}, nil, 0, []string{"lower-cases ASCII letters only"}, false},
		{"unicode fold, Go", Go, `{"block_bodies":["Ärger"],"case_sensitive":false}`, Request{Body: []byte("ärger")}, &Word{"Ärger", InBody}, 403, nil, false},
		// wasm-go plugin_wrapper.go IsBinaryRequestBody: any Content-Encoding, even identity.
		{"content-encoding, Go", Go, `{"block_bodies":["password"],"case_sensitive":false}`, Request{Headers: gzip, Body: []byte("password")}, nil, 0, []string{"does not read a body sent with Content-Encoding: identity", "a bypass of every body word"}, true},
		{"content-encoding, C++", CPP, `{"block_bodies":["password"],"case_sensitive":false}`, Request{Headers: gzip, Body: []byte("password")}, &Word{"password", InBody}, 403, nil, false},
		// IsBinaryRequestBody: a Content-Type containing octet-stream or grpc.
		{"octet-stream, Go", Go, `{"block_bodies":["password"],"case_sensitive":false}`, Request{Headers: [][2]string{{"content-type", "application/octet-stream"}}, Body: []byte("password")}, nil, 0, []string{"Content-Type: application/octet-stream"}, true},
		{"grpc, guarded, Go", Go, `{"block_bodies":["password"],"case_sensitive":false}`, Request{Headers: [][2]string{{"content-type", "application/grpc"}}, Body: []byte("password"), Guard: "the bundled ai-proxy"}, nil, 0, []string{"the bundled ai-proxy refuses such a request"}, false},
		{"json is read, Go", Go, `{"block_bodies":["password"],"case_sensitive":false}`, Request{Headers: [][2]string{{"content-type", "application/json"}}, Body: []byte("password")}, &Word{"password", InBody}, 403, nil, false},
		// plugin.cc onRequestBody: body_total_size_ > MAX_BODY_SIZE passes; wasm-go has no such limit.
		{"huge body, C++", CPP, `{"block_bodies":["x"],"case_sensitive":false}`, Request{Body: []byte(strings.Repeat("x", MaxBody+1))}, nil, 0, []string{"over 32 MiB"}, false},
		{"huge body, Go", Go, `{"block_bodies":["x"],"case_sensitive":false}`, Request{Body: []byte(strings.Repeat("x", MaxBody+1))}, &Word{"x", InBody}, 403, nil, false},
		// Both lower-case block_regexp_urls before compiling when case_sensitive is false.
		{"lower-cased \\D, Go", Go, `{"block_urls":["/never"],"block_regexp_urls":["/v1/\\D+"],"case_sensitive":false}`, Request{Path: "/v1/abc"}, nil, 0, []string{"`\\D` becomes `\\d`"}, false},
		{"lower-cased \\D, C++", CPP, `{"block_urls":["/never"],"block_regexp_urls":["/v1/\\D+"],"case_sensitive":false}`, Request{Path: "/v1/123"}, &Word{`/v1/\D+`, InURLRegex}, 403, []string{"`\\D` becomes `\\d`"}, false},
		{"lower-cased class, Go", Go, `{"block_urls":["/never"],"block_regexp_urls":["/v1/[^A-Z]+"],"case_sensitive":false}`, Request{Path: "/v1/abc"}, nil, 0, []string{"`[^A-Z]` becomes `[^a-z]`"}, false},
		// The Go build's earlier cases (main.go onHttpRequestHeaders / onHttpRequestBody).
		{"body keyword, insensitive", Go, `{"block_bodies":["password"],"case_sensitive":false}`, Request{Body: chat("my PassWord is 123")}, &Word{"password", InBody}, 403, nil, false},
		{"json escape is not matched", Go, `{"block_bodies":["password"],"case_sensitive":false}`, Request{Body: chat(`my \u0070assword is 123`)}, nil, 0, []string{`\u0070assword`}, false},
		{"url keyword matches the query", Go, `{"block_urls":["token="],"case_sensitive":false}`, Request{Path: "/v1/chat?TOKEN=abc"}, &Word{"token=", InURL}, 403, nil, false},
		{"header name", Go, `{"block_headers":["x-debug"],"case_sensitive":false}`, Request{Headers: [][2]string{{"X-Debug", "1"}}}, &Word{"x-debug", InHeader}, 403, nil, false},
		{"pseudo-header authority", CPP, `{"block_headers":["internal.example"],"case_sensitive":true}`, Request{Headers: [][2]string{{":authority", "internal.example.com"}}}, &Word{"internal.example", InHeader}, 403, nil, false},
		{"url before body", CPP, `{"block_urls":["/admin"],"block_bodies":["password"],"case_sensitive":false}`, Request{Path: "/admin", Body: []byte("password")}, &Word{"/admin", InURL}, 403, nil, false},
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
			if v.Bypass != tc.bypass {
				t.Fatalf("bypass %v, want %v (%+v)", v.Bypass, tc.bypass, v)
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
			if v.Warnings == nil {
				t.Error("warnings is nil: -o json would print null")
			}
		})
	}
}

func TestLoweringChanges(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    []string
	}{
		{`/v1/\D+`, []string{"`\\D` becomes `\\d`"}},
		{`\S\W\B`, []string{"`\\S` becomes `\\s`", "`\\W` becomes `\\w`", "`\\B` becomes `\\b`"}},
		{`/[A-Z]+`, []string{"`[A-Z]` becomes `[a-z]`"}},
		{`\P{Greek}`, []string{"`\\P{Greek}` becomes `\\p{greek}`"}},
		{`\PL`, []string{"`\\PL` becomes `\\pl`"}},
		{`(?U)a+`, []string{"`(?U)` becomes `(?u)`"}},
		{`[\D]`, []string{"`\\D` becomes `\\d`"}},
		// Literal letters fold as intended; hex digits and group names mean the same lower-cased.
		{`/Admin/\x4F\x{4F}(?P<Name>x)[a-z]`, nil},
	} {
		if got := LoweringChanges(tc.pattern, Go); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("LoweringChanges(%q) = %q, want %q", tc.pattern, got, tc.want)
		}
	}
	// The C++ build folds ASCII only: a non-ASCII upper-case letter in a class stays.
	if got := LoweringChanges(`[Ä]`, CPP); got != nil {
		t.Errorf("C++ LoweringChanges([Ä]) = %q", got)
	}
}

func TestUnreadBody(t *testing.T) {
	for _, tc := range []struct {
		headers [][2]string
		want    string
	}{
		{[][2]string{{"content-type", "application/json"}}, ""},
		{[][2]string{{"Content-Encoding", "gzip"}}, "Content-Encoding: gzip"},
		{[][2]string{{"content-type", "application/x-protobuf+grpc"}}, "Content-Type: application/x-protobuf+grpc"},
		// wasm-go compares Content-Type case-sensitively (strings.Contains).
		{[][2]string{{"content-type", "application/OCTET-STREAM"}}, ""},
		{[][2]string{{"connection", "Upgrade"}, {"upgrade", "websocket"}}, "a websocket upgrade"},
	} {
		if got := Go.UnreadBody(tc.headers); got != tc.want {
			t.Errorf("UnreadBody(%v) = %q, want %q", tc.headers, got, tc.want)
		}
		if got := CPP.UnreadBody(tc.headers); got != "" {
			t.Errorf("the C++ build has no such rule: %q", got)
		}
	}
}

func TestBundledProxyRefuses(t *testing.T) {
	bundled := map[string]any{"keyAuth": map[string]any{"global": true}, "provider": map[string]any{"type": "openai"}}
	if !BundledProxyRefuses(bundled, "/v1/chat/completions?x=1") || BundledProxyRefuses(bundled, "/v1/models") {
		t.Fatal("bundled ai-proxy paths")
	}
	if BundledProxyRefuses(map[string]any{"provider": map[string]any{"type": "openai"}}, "/v1/chat/completions") {
		t.Fatal("Higress's own ai-proxy passes such bodies upstream")
	}
}

func TestMessageOfHeaderRule(t *testing.T) {
	c, _ := Parse(decode(t, `{"block_headers":["curl/"],"case_sensitive":false,"blocked_code":429,"blocked_message":"go away"}`))
	if v := Evaluate(c, Request{Headers: [][2]string{{"user-agent", "curl/8"}}}, Go); v.Message != "go away" || v.Code != 429 {
		t.Fatalf("message %q", v.Message)
	}
}

// TestComplexRegexWarning: common/regex.h CompiledGoogleReMatcher refuses a regex whose RE2
// ProgramSize is over 100 ("too complex regex"), and plugin.cc parsePluginConfig the config.
func TestComplexRegexWarning(t *testing.T) {
	big := "/[a-z]{120}" // counted repetition is expanded by both RE2 and Go
	c, _ := Parse(map[string]any{"block_urls": []any{"/never"}, "block_regexp_urls": []any{big, "/v1/.*/admin"}, "case_sensitive": true})
	v := Evaluate(c, Request{Path: "/"}, CPP)
	if n := strings.Count(strings.Join(v.Warnings, "\n"), "may be too complex for the C++ build"); n != 1 {
		t.Fatalf("warnings %q", v.Warnings)
	}
	if v := Evaluate(c, Request{Path: "/"}, Go); len(v.Warnings) != 0 {
		t.Fatalf("the Go build has no such limit: %q", v.Warnings)
	}
}
