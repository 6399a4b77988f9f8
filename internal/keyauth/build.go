package keyauth

import (
	"fmt"
	"path"
	"strings"

	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// Build is one of Higress's two key-auth implementations, which read different formats.
type Build string

const (
	// CPP is plugins/wasm-cpp/extensions/key_auth (plugin.cc), the console's built-in
	// key-auth:2.0.0. It reads the console's format: each consumer's `credential` or `credentials`
	// list, its own `keys`, `in_header` and `in_query` (both true by default), and `allow: []`.
	CPP Build = "cpp"
	// Unsure is any other image. Higress's Go key-auth (plugins/wasm-go/extensions/key-auth,
	// main.go parseGlobalConfig and parseOverrideRuleConfig) wants one `credential` string per
	// consumer, a top-level `keys` and `in_header`/`in_query` (false when unset), at least one
	// consumer, and refuses `allow: []`; nothing in an image's name tells it from the C++ build
	// (Higress's release scripts push both to plugins/key-auth:1.0.0), so such a plugin is read
	// with the Go build's rules where they differ and never edited.
	Unsure Build = "unsure"
)

// BuildOf tells the build from a WasmPlugin's url: Higress's built-in image
// (higress-registry.<region>.cr.aliyuncs.com/plugins/key-auth) at a 2.x tag, or a mirror of it
// (any registry, an image named key-auth at a 2.x tag: only the C++ pipeline pushes 2.x), is the
// C++ build; anything else is Unsure.
func BuildOf(url string) Build {
	ref, ok := wasmplugin.BuiltinImage(url, Plugin)
	if !ok {
		u := url
		if _, rest, found := strings.Cut(u, "://"); found {
			u = rest
		}
		name, tag, found := strings.Cut(path.Base(u), ":")
		if !found || name != Plugin {
			return Unsure
		}
		ref = tag
	}
	if strings.HasPrefix(ref, "2.") {
		return CPP
	}
	return Unsure
}

// CheckWritable refuses an edit of a key-auth plugin this tool cannot write correctly: it writes
// the console's format, which only the C++ build reads; Higress's Go key-auth refuses to load it,
// and with the console's failStrategy FAIL_OPEN its routes would then need no key at all.
func CheckWritable(url, ref string) error {
	if BuildOf(url) == CPP {
		return nil
	}
	return fmt.Errorf("wasmplugin %q runs %q, not Higress's built-in key-auth:2.0.0 (the C++ build): higress-ai writes the console's format, which Higress's Go key-auth refuses to load (it wants one credential per consumer, a top-level in_header/in_query and no empty allow), so it does not edit this plugin", ref, url)
}

// Matcher is the match-rule implementation the build runs on (the Go one for Unsure, whose rules
// this tool reads as the Go build's).
func (b Build) Matcher() wasmplugin.Matcher {
	if b == CPP {
		return wasmplugin.MatcherCPP
	}
	return wasmplugin.MatcherGo
}

// Build is the build the config is read as.
func (c *Config) Build() Build { return c.build }

// ReadNote is what to tell whoever reads a key-auth plugin this tool would not edit: "" for the
// C++ build.
func ReadNote(url, ref string) string {
	if BuildOf(url) == CPP {
		return ""
	}
	return fmt.Sprintf("wasmplugin %q runs %q, not Higress's built-in key-auth:2.0.0 (the C++ build): read with Higress's Go key-auth's rules where they differ (a rule with allow: [] or the console's consumer format stops it loading, and with failStrategy FAIL_OPEN every route is then open); higress-ai does not edit it", ref, url)
}
