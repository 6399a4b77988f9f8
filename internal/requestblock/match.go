package requestblock

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Request is what the gateway sees of a request.
type Request struct {
	Path    string      // :path, with the query
	Headers [][2]string // name, value; pseudo-headers (:authority, :method, :path) included
	Body    []byte      // as sent
}

// MaxBody is the largest body the plugin inspects; larger bodies pass unchecked.
const MaxBody = 32 << 20

// Verdict is what the gateway would do.
type Verdict struct {
	Blocked bool   `json:"blocked"`
	Rule    *Word  `json:"rule,omitempty"`
	Code    int    `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Build is the plugin build the request was evaluated as.
	Build Build `json:"build,omitempty"`
	// Warnings say where the rules would miss what the user probably meant to block.
	Warnings []string `json:"warnings"`
}

// Evaluate applies the config to a request as build b of request-block does: the path, then
// headers, then the body, each lower-cased when the config is case-insensitive; the first rule
// that matches blocks with blocked_code and blocked_message.
//
// Behaviour follows Higress's plugins. Both builds match keywords as substrings of the raw path
// with its query, of header names and values, and of the raw body up to 32 MiB. The C++ build
// (plugins/wasm-cpp/extensions/request_block/plugin.cc) reads block_urls, block_headers and
// block_bodys, folds ASCII letters only and keeps empty entries, which match everything. The Go
// build (plugins/wasm-go/extensions/request-block/main.go) reads block_bodies instead of
// block_bodys, skips empty entries, and checks exact then keyword then regex URL rules, the
// exact and regex ones only when at least one keyword URL rule exists (regex patterns are
// lower-cased when case-insensitive).
func Evaluate(c *Config, r Request, b Build) Verdict {
	cs, _ := c.CaseSensitive(b)
	fold := b.fold(cs)
	v := Verdict{Build: b, Warnings: warnings(c, r, b, cs)}
	block := func(w string, in In) Verdict {
		v.Blocked, v.Rule, v.Code, v.Message = true, &Word{w, in}, c.BlockedCode(), c.BlockedMessage()
		return v
	}
	path := fold(r.Path)
	if keywords := b.Read(c, InURL); len(keywords) > 0 {
		for _, w := range b.Read(c, InURLExact) {
			if path == fold(w) {
				return block(w, InURLExact)
			}
		}
		for _, w := range keywords {
			if strings.Contains(path, fold(w)) {
				return block(w, InURL)
			}
		}
		for _, w := range b.Read(c, InURLRegex) {
			if re, err := regexp.Compile(fold(w)); err == nil && re.MatchString(path) {
				return block(w, InURLRegex)
			}
		}
	}
	for _, w := range b.Read(c, InHeader) {
		for _, h := range r.Headers {
			if strings.Contains(fold(h[0]), fold(w)) || strings.Contains(fold(h[1]), fold(w)) {
				return block(w, InHeader)
			}
		}
	}
	if len(r.Body) > 0 && len(r.Body) <= MaxBody {
		body := fold(string(r.Body))
		for _, w := range b.Read(c, InBody) {
			if strings.Contains(body, fold(w)) {
				return block(w, InBody)
			}
		}
	}
	return v
}

// warnings explain where the rules would let through what they were meant to stop.
func warnings(c *Config, r Request, b Build, caseSensitive bool) []string {
	out := configWarnings(c, b)
	if len(r.Body) > MaxBody {
		out = append(out, "the body is over 32 MiB: the plugin does not inspect it")
	}
	body := string(r.Body)
	for _, w := range b.Read(c, InBody) {
		if escaped := jsonEscapedForms(body, w); escaped != "" {
			out = append(out, fmt.Sprintf("the body spells %q with JSON escapes (%s): the plugin matches the raw body, so this is not blocked", w, escaped))
		}
		if why := caseMiss(body, w, b, caseSensitive); why != "" {
			out = append(out, fmt.Sprintf("the body contains %q in another case: not blocked because %s", w, why))
		}
	}
	for _, w := range b.Read(c, InURL) {
		if why := caseMiss(r.Path, w, b, caseSensitive); why != "" {
			out = append(out, fmt.Sprintf("the path contains %q in another case: not blocked because %s", w, why))
		}
	}
	return out
}

// configWarnings are what the config itself gets wrong for build b, whatever the request.
func configWarnings(c *Config, b Build) []string {
	out := []string{}
	cs, set := c.CaseSensitive(b)
	if !set {
		out = append(out, fmt.Sprintf("case_sensitive is not set: Higress's built-in (C++) plugin then matches case-sensitively, the Go build does not; evaluated as the %s does (every higress-ai edit writes it explicitly)", b))
	}
	if !b.Loads(c) {
		out = append(out, fmt.Sprintf("the %s refuses to load this config: it has no block_urls, block_headers or %s entry it reads", b, b.bodiesField()))
	}
	exactOrRegex := len(c.list(InURLExact)) + len(c.list(InURLRegex))
	switch {
	case b == CPP && exactOrRegex > 0:
		out = append(out, "the C++ build (Higress's built-in image) has no exact or regex URL rules: block_exact_urls and block_regexp_urls are ignored")
	case b == Go && exactOrRegex > 0 && len(b.Read(c, InURL)) == 0:
		out = append(out, "exact and regex URL rules are checked only when at least one keyword URL rule (block add --in url) exists")
	}
	if unread := unreadBodies(c, b); len(unread) > 0 {
		out = append(out, fmt.Sprintf("the %s reads %s only, which lacks %s: those body words are not in force (the next higress-ai edit of this config writes both spellings)", b, b.bodiesField(), quoted(unread)))
	}
	if b == CPP {
		for _, in := range []In{InURL, InHeader, InBody} {
			if slices.Contains(b.Read(c, in), "") {
				out = append(out, fmt.Sprintf("an empty %s entry matches every request: the C++ build keeps empty entries", in))
			}
		}
	}
	if cs {
		for _, w := range b.Read(c, InHeader) {
			if hasUpper(w) {
				out = append(out, fmt.Sprintf("header word %q has upper-case letters and case_sensitive is true: Envoy lower-cases header names, so it can match a header value only", w))
			}
		}
	}
	return out
}

// unreadBodies are the body words of the config that build b does not read (listed under the
// other spelling only).
func unreadBodies(c *Config, b Build) []string {
	read := b.Read(c, InBody)
	var out []string
	for _, w := range c.list(InBody) {
		if !slices.Contains(read, w) && (w != "" || b == CPP) {
			out = append(out, w)
		}
	}
	return out
}

// caseMiss says why s contains w in another case without the build matching it, or "".
func caseMiss(s, w string, b Build, caseSensitive bool) string {
	fold := b.fold(caseSensitive)
	if w == "" || strings.Contains(fold(s), fold(w)) || !strings.Contains(strings.ToLower(s), strings.ToLower(w)) {
		return ""
	}
	if caseSensitive {
		return "case_sensitive is true"
	}
	return "the C++ build lower-cases ASCII letters only"
}

func quoted(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = fmt.Sprintf("%q", w)
	}
	return strings.Join(q, ", ")
}

// jsonEscapedForms finds the word in the body once JSON string escapes are decoded, where the raw
// body does not contain it; it returns the escaped spelling found, or "".
func jsonEscapedForms(body, word string) string {
	if !strings.Contains(body, `\`) {
		return ""
	}
	decoded, spans := unescapeJSON(body)
	lw := strings.ToLower(word)
	ld := strings.ToLower(decoded)
	for from := 0; ; {
		i := strings.Index(ld[from:], lw)
		if i < 0 {
			return ""
		}
		start := from + i
		end := start + len(lw)
		raw := body[spans[start]:spans[end]]
		if raw != decoded[start:end] {
			return raw
		}
		from = start + 1
	}
}

// unescapeJSON decodes \uXXXX and the one-letter escapes anywhere in s and maps each byte of the
// result back to its offset in s (spans has len(result)+1 entries).
func unescapeJSON(s string) (string, []int) {
	var b strings.Builder
	spans := make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		if s[i] == '\\' && i+1 < len(s) {
			if s[i+1] == 'u' && i+6 <= len(s) {
				var r rune
				if _, err := fmt.Sscanf(s[i+2:i+6], "%04x", &r); err == nil {
					enc := string(r)
					for range len(enc) {
						spans = append(spans, i)
					}
					b.WriteString(enc)
					i += 6
					continue
				}
			}
			if c, ok := map[byte]byte{'n': '\n', 't': '\t', 'r': '\r', '"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f'}[s[i+1]]; ok {
				spans = append(spans, i)
				b.WriteByte(c)
				i += 2
				continue
			}
		}
		spans = append(spans, i)
		b.WriteByte(s[i])
		i++
	}
	spans = append(spans, len(s))
	return b.String(), spans
}
