package requestblock

import (
	"github.com/higress-ai/higress-ai/internal/configjson"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"

	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// Build is one of Higress's two request-block implementations. They read different fields and
// match differently, so what a config does depends on the build that runs it.
type Build string

const (
	// CPP is plugins/wasm-cpp/extensions/request_block (plugin.cc), the console's built-in image,
	// as it is since Higress v2.0.5: it reads block_urls, block_exact_urls, block_regexp_urls (RE2
	// full match), block_headers, and block_bodys and block_bodies both; case_sensitive defaults to
	// true, case folding is ASCII-only, empty entries are kept (an empty keyword matches every
	// request), blocked_code is taken as it is, and bodies over 32 MiB pass unchecked.
	CPP Build = "cpp"
	// Go is plugins/wasm-go/extensions/request-block (main.go): it reads block_bodies (not
	// block_bodys), case_sensitive defaults to false, folding is Unicode (strings.ToLower), empty
	// entries are skipped, regexes are unanchored, blocked_code outside 101-599 becomes 403, and
	// wasm-go never hands it a body with a Content-Encoding or a binary Content-Type.
	Go Build = "go"
)

// BuildOf tells the build from a WasmPlugin's url: Higress's built-in image
// (oci://higress-registry.<region>.cr.aliyuncs.com/plugins/request-block:TAG, the scheme optional)
// is the C++ build; any other image is taken to be the Go build.
func BuildOf(url string) Build {
	if _, ok := wasmplugin.BuiltinImage(url, Plugin); ok {
		return CPP
	}
	return Go
}

// String names the build for messages: "C++ build" or "Go build".
func (b Build) String() string {
	if b == CPP {
		return "C++ build"
	}
	return "Go build"
}

// DefaultCaseSensitive is what the build assumes when case_sensitive is not set
// (plugin.h: case_sensitive = true; main.go: gjson's Bool() of an absent field, false).
func (b Build) DefaultCaseSensitive() bool { return b == CPP }

// fold is how the build compares text: as is when case-sensitive, else lower-cased (ASCII letters
// only in the C++ build, as absl::AsciiStrToLower; strings.ToLower in the Go build).
func (b Build) fold(caseSensitive bool) func(string) string {
	switch {
	case caseSensitive:
		return func(s string) string { return s }
	case b == CPP:
		return asciiLower
	}
	return strings.ToLower
}

// Fold is how the build compares text under case-insensitive matching (fold(false)), exported for
// telling whether a word in another case is already blocked.
func (b Build) Fold() func(string) string { return b.fold(false) }

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// bodyFields are the body lists the build reads: plugin.cc parses block_bodys, then block_bodies
// ("compatiable") into one list; main.go reads block_bodies only.
func (b Build) bodyFields() []string {
	if b == CPP {
		return []string{legacyBodies, bodiesField}
	}
	return []string{bodiesField}
}

// Read is a list as the build sees it, in its order: the C++ build keeps empty entries, the Go
// build skips them (main.go: `if url == "" { continue }`).
func (b Build) Read(c *Config, in In) []string {
	var l []string
	if in == InBody {
		for _, f := range b.bodyFields() {
			more, _ := configjson.StringList(c.raw, f)
			l = append(l, more...)
		}
	} else {
		field, _ := fieldOf(in)
		l, _ = configjson.StringList(c.raw, field)
	}
	if b == Go {
		l = withoutEmpty(l)
	}
	return l
}

func withoutEmpty(l []string) []string {
	out := l[:0:0]
	for _, s := range l {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Loads reports whether the build accepts the config ("there is no block rules" otherwise): the
// C++ build needs an entry in any of its five lists (plugin.cc, parsePluginConfig), the Go build
// one in block_urls, block_headers or block_bodies (main.go, parseConfig); and both refuse a
// regex that does not compile once lower-cased (see BadRegexes).
func (b Build) Loads(c *Config) bool {
	n := len(b.Read(c, InURL)) + len(b.Read(c, InHeader)) + len(b.Read(c, InBody))
	if b == CPP {
		n += len(b.Read(c, InURLExact)) + len(b.Read(c, InURLRegex))
	}
	return n > 0 && len(b.BadRegexes(c)) == 0
}

// BadRegexes are the regex URL rules the build cannot compile as it compiles them (lower-cased
// when case-insensitive): plugin.cc then refuses the config, main.go's regexp.MustCompile panics.
func (b Build) BadRegexes(c *Config) []string {
	cs, _ := c.CaseSensitive(b)
	fold := b.fold(cs)
	var out []string
	for _, w := range b.Read(c, InURLRegex) {
		if _, err := regexp.Compile(fold(w)); err != nil {
			out = append(out, w)
		}
	}
	return out
}

// re2ProgramLimit is the largest RE2 program the C++ build compiles: common/regex.h
// (CompiledGoogleReMatcher) reports "too complex regex" above it, and plugin.cc then refuses the
// whole config.
const re2ProgramLimit = 100

// programSize estimates a regex's RE2 program size by the length of Go's compiled program (RE2
// counts differently, most of all for Unicode classes); 0 when it does not compile.
func programSize(pattern string) int {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return 0
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 0
	}
	return len(prog.Inst)
}

// matchRegex is how the build applies a regex URL rule: RE2::FullMatch in the C++ build
// (common/regex.h, CompiledGoogleReMatcher::match), regexp.MatchString (unanchored) in the Go build.
func (b Build) matchRegex(pattern, path string) bool {
	if b == CPP {
		pattern = `^(?:` + pattern + `)$`
	}
	re, err := regexp.Compile(pattern)
	return err == nil && re.MatchString(path)
}

// BlockedCode is the status the build answers a blocked request with: plugin.cc takes
// blocked_code as it is (600 stays 600), main.go takes it only between 101 and 599, else 403.
func (b Build) BlockedCode(c *Config) int {
	n, ok := asInt(c.raw["blocked_code"])
	switch {
	case !ok:
		return 403
	case b == CPP:
		return int(n)
	case n > 100 && n < 600:
		return int(n)
	}
	return 403
}

// UnreadBody says why the build does not look at a request's body at all, or "": the Go build
// runs on wasm-go, whose IsBinaryRequestBody skips any body with a Content-Encoding (even
// identity) or a Content-Type containing "octet-stream" or "grpc" (pkg/wrapper/plugin_wrapper.go,
// OnHttpRequestHeaders), and websocket upgrades; the C++ build has no such rule.
func (b Build) UnreadBody(headers [][2]string) string {
	if b != Go {
		return ""
	}
	get := func(name string) (string, bool) {
		for _, h := range headers {
			if strings.EqualFold(h[0], name) {
				return h[1], true
			}
		}
		return "", false
	}
	if enc, _ := get("content-encoding"); enc != "" {
		return "Content-Encoding: " + enc
	}
	if ct, _ := get("content-type"); strings.Contains(ct, "octet-stream") || strings.Contains(ct, "grpc") {
		return "Content-Type: " + ct
	}
	conn, _ := get("connection")
	up, _ := get("upgrade")
	if strings.EqualFold(conn, "upgrade") && strings.EqualFold(up, "websocket") {
		return "a websocket upgrade"
	}
	return ""
}

func hasUpper(s string) bool {
	for _, r := range s {
		if unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

// Matcher is the match-rule implementation the build runs on.
func (b Build) Matcher() wasmplugin.Matcher {
	if b == Go {
		return wasmplugin.MatcherGo
	}
	return wasmplugin.MatcherCPP
}
