package requestblock

import (
	"strings"
	"unicode"
)

// Build is one of Higress's two request-block implementations. They read different fields and
// match differently, so what a config does depends on the build that runs it.
type Build string

const (
	// CPP is plugins/wasm-cpp/extensions/request_block, the console's built-in image: it reads
	// block_urls, block_headers and block_bodys only, case_sensitive defaults to true, case folding
	// is ASCII-only and empty entries are kept (they match every request).
	CPP Build = "cpp"
	// Go is plugins/wasm-go/extensions/request-block: it also reads block_exact_urls and
	// block_regexp_urls (checked only beside a keyword URL rule), reads block_bodies (not
	// block_bodys), case_sensitive defaults to false, folding is Unicode and empty entries are skipped.
	Go Build = "go"
)

// BuildOf tells the build from a WasmPlugin's url: Higress's built-in image
// (oci://higress-registry.<region>.cr.aliyuncs.com/plugins/request-block:TAG, the scheme optional)
// is the C++ build; any other image is taken to be the Go build.
func BuildOf(url string) Build {
	u := url
	if scheme, rest, ok := strings.Cut(u, "://"); ok {
		if scheme != "oci" {
			return Go
		}
		u = rest
	}
	host, repo, _ := strings.Cut(u, "/")
	if !strings.HasPrefix(host, "higress-registry.") || !strings.HasSuffix(host, ".cr.aliyuncs.com") {
		return Go
	}
	tag, ok := strings.CutPrefix(repo, "plugins/"+Plugin)
	if ok && (tag == "" || tag[0] == ':' || tag[0] == '@') {
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

// DefaultCaseSensitive is what the build assumes when case_sensitive is not set.
func (b Build) DefaultCaseSensitive() bool { return b == CPP }

// bodiesField is the one body list the build reads.
func (b Build) bodiesField() string {
	if b == CPP {
		return legacyBodies
	}
	return bodiesField
}

// fold is how the build compares text: as is when case-sensitive, else lower-cased (ASCII letters
// only in the C++ build, as absl::AsciiStrToLower).
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

// Read is a list as the build sees it: the C++ build has no exact or regex URL rules and reads
// block_bodys; the Go build reads block_bodies and skips empty entries.
func (b Build) Read(c *Config, in In) []string {
	if b == CPP && (in == InURLExact || in == InURLRegex) {
		return nil
	}
	field, _ := fieldOf(in)
	if in == InBody {
		field = b.bodiesField()
	}
	l, _ := stringList(c.raw, field)
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

// Loads reports whether the build accepts the config: it refuses one with no keyword URL, header
// or body rule it reads ("there is no block rules").
func (b Build) Loads(c *Config) bool {
	return len(b.Read(c, InURL))+len(b.Read(c, InHeader))+len(b.Read(c, InBody)) > 0
}

func hasUpper(s string) bool {
	for _, r := range s {
		if unicode.IsUpper(r) {
			return true
		}
	}
	return false
}
