package requestblock

import (
	"fmt"
	"slices"
	"strings"
)

// Request is what the gateway sees of a request.
type Request struct {
	Path    string      // :path, with the query
	Headers [][2]string // name, value; pseudo-headers (:authority, :method, :path) included
	Body    []byte      // as sent
	// Guard names a plugin on the request's route that refuses a body the build does not read
	// (the bundled ai-proxy answers 415); "" when nothing does.
	Guard string
}

// MaxBody is the largest body the C++ build inspects (plugin.cc, MAX_BODY_SIZE); larger bodies
// pass unchecked. The Go build has no such limit.
const MaxBody = 32 << 20

// Verdict is what the gateway would do.
type Verdict struct {
	Blocked bool   `json:"blocked"`
	Rule    *Word  `json:"rule,omitempty"`
	Code    int    `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Build is the plugin build the request was evaluated as.
	Build Build `json:"build,omitempty"`
	// BodyUnread says why the build did not look at the body ("Content-Encoding: gzip"); empty
	// when it did or has no body rule.
	BodyUnread string `json:"bodyUnread,omitempty"`
	// Bypass reports a request whose body the build does not read although body words are in
	// force, and that nothing else on the route refuses: a way around every body word.
	Bypass bool `json:"bypass"`
	// Warnings say where the rules would miss what the user probably meant to block.
	Warnings []string `json:"warnings"`
}

// Evaluate applies the config to a request as build b of request-block does; the first rule that
// matches blocks with the build's blocked_code and blocked_message. A config the build refuses to
// load blocks nothing.
//
// C++ build (plugins/wasm-cpp/extensions/request_block/plugin.cc, checkHeader and checkBody):
// when block_urls has an entry, the path with its query is checked against block_exact_urls
// (equal), then block_regexp_urls (RE2 full match), then block_urls (substring); then every
// header name and value against block_headers; then, when block_bodys/block_bodies has an entry,
// a body of at most 32 MiB. Go build (plugins/wasm-go/extensions/request-block/main.go,
// onHttpRequestHeaders and onHttpRequestBody): the same, but exact, keyword, then regex
// (unanchored), and a body of any size unless wasm-go skips it (see Build.UnreadBody). Both
// lower-case the request and the rules when case_sensitive is false.
func Evaluate(c *Config, r Request, b Build) Verdict {
	cs, _ := c.CaseSensitive(b)
	fold := b.fold(cs)
	v := Verdict{Build: b, Warnings: warnings(c, r, b, cs)}
	if !b.Loads(c) {
		return v
	}
	block := func(w string, in In) Verdict {
		v.Blocked, v.Rule, v.Code, v.Message = true, &Word{w, in}, b.BlockedCode(c), c.BlockedMessage()
		return v
	}
	if w, in, ok := matchURL(c, b, fold(r.Path), fold); ok {
		return block(w, in)
	}
	for _, w := range b.Read(c, InHeader) {
		for _, h := range r.Headers {
			if strings.Contains(fold(h[0]), fold(w)) || strings.Contains(fold(h[1]), fold(w)) {
				return block(w, InHeader)
			}
		}
	}
	words := b.Read(c, InBody)
	if len(words) == 0 || len(r.Body) == 0 {
		return v
	}
	if v.BodyUnread = b.UnreadBody(r.Headers); v.BodyUnread != "" {
		v.Bypass = r.Guard == ""
		return v
	}
	if b == CPP && len(r.Body) > MaxBody {
		return v
	}
	body := fold(string(r.Body))
	for _, w := range words {
		if strings.Contains(body, fold(w)) {
			return block(w, InBody)
		}
	}
	return v
}

// matchURL finds the URL rule that blocks a folded path, in the build's order; none is checked
// unless block_urls has an entry.
func matchURL(c *Config, b Build, path string, fold func(string) string) (string, In, bool) {
	keywords := b.Read(c, InURL)
	if len(keywords) == 0 {
		return "", "", false
	}
	for _, w := range b.Read(c, InURLExact) {
		if path == fold(w) {
			return w, InURLExact, true
		}
	}
	order := []In{InURLRegex, InURL}
	if b == Go {
		order = []In{InURL, InURLRegex}
	}
	for _, in := range order {
		for _, w := range b.Read(c, in) {
			if (in == InURL && strings.Contains(path, fold(w))) || (in == InURLRegex && b.matchRegex(fold(w), path)) {
				return w, in, true
			}
		}
	}
	return "", "", false
}

// warnings explain where the rules would let through what they were meant to stop.
func warnings(c *Config, r Request, b Build, caseSensitive bool) []string {
	out := configWarnings(c, b)
	words := b.Read(c, InBody)
	if len(words) > 0 && len(r.Body) > 0 && b.Loads(c) {
		out = append(out, bodyWarnings(r, b)...)
	}
	body := string(r.Body)
	for _, w := range words {
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
	if b == CPP && len(b.Read(c, InURL)) > 0 {
		fold := b.fold(caseSensitive)
		for _, w := range b.Read(c, InURLRegex) {
			if !b.matchRegex(fold(w), fold(r.Path)) && Go.matchRegex(fold(w), fold(r.Path)) {
				out = append(out, fmt.Sprintf("regex %q matches part of the path only: the C++ build needs it to match the whole path with its query (RE2 full match), so this is not blocked", w))
			}
		}
	}
	return out
}

// bodyWarnings say where the build does not look at the body.
func bodyWarnings(r Request, b Build) []string {
	if why := b.UnreadBody(r.Headers); why != "" {
		msg := fmt.Sprintf("the %s does not read a body sent with %s (wasm-go skips such bodies): no body word is checked", b, why)
		if r.Guard != "" {
			return []string{msg + "; " + r.Guard + " refuses such a request on this route"}
		}
		return []string{msg + ", and nothing on this route refuses such a request: a bypass of every body word"}
	}
	if b == CPP && len(r.Body) > MaxBody {
		return []string{"the body is over 32 MiB: the C++ build does not inspect it"}
	}
	return nil
}

// configWarnings are what the config itself gets wrong for build b, whatever the request.
func configWarnings(c *Config, b Build) []string {
	out := []string{}
	cs, set := c.CaseSensitive(b)
	if !set {
		out = append(out, fmt.Sprintf("case_sensitive is not set: the C++ build (Higress's built-in image) then matches case-sensitively, the Go build case-insensitively; evaluated as the %s does (every higress-ai edit writes it explicitly)", b))
	}
	if !b.Loads(c) {
		out = append(out, notLoaded(c, b))
	}
	if len(c.list(InURLExact))+len(c.list(InURLRegex)) > 0 && len(b.Read(c, InURL)) == 0 {
		out = append(out, "exact and regex URL rules are checked only when block_urls has an entry (block add WORD --in url), in both builds: block_exact_urls and block_regexp_urls do nothing here")
	}
	if unread := unreadBodies(c, b); len(unread) > 0 {
		out = append(out, fmt.Sprintf("the Go build reads block_bodies only, which lacks %s (listed under block_bodys): those body words are not in force (the next higress-ai edit of this config moves them to block_bodies)", quoted(unread)))
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
	for _, w := range b.Read(c, InURLRegex) {
		out = append(out, b.RegexWarnings(c, w)...)
	}
	if n, ok := asInt(c.raw["blocked_code"]); ok && CPP.BlockedCode(c) != Go.BlockedCode(c) {
		out = append(out, fmt.Sprintf("blocked_code %d: the C++ build answers it as it is, the Go build answers 403 (it takes 101 to 599 only)", n))
	}
	return out
}

// RegexWarnings say what build b makes of regex w in config c that its author may not expect:
// meaning changed by lower-casing under case_sensitive false (both builds), a program the C++ build
// may find too complex.
func (b Build) RegexWarnings(c *Config, w string) []string {
	var out []string
	cs, _ := c.CaseSensitive(b)
	if changes := LoweringChanges(w, b); !cs && len(changes) > 0 {
		out = append(out, fmt.Sprintf("regex %q is lower-cased because case_sensitive is false, which changes what it means: %s", w, strings.Join(changes, ", ")))
	}
	if n := programSize(b.fold(cs)(w)); b == CPP && n > re2ProgramLimit {
		out = append(out, fmt.Sprintf("regex %q may be too complex for the C++ build: it refuses a regex whose RE2 program is over %d instructions (\"too complex regex\"), and with it the whole config; Go's regexp compiles this one to %d, and RE2 counts differently, so check the gateway's log", w, re2ProgramLimit, n))
	}
	return out
}

// notLoaded says why build b refuses the config.
func notLoaded(c *Config, b Build) string {
	if bad := b.BadRegexes(c); len(bad) > 0 {
		return fmt.Sprintf("the %s refuses to load this config: regex %s does not compile as the plugin compiles it (lower-cased when case_sensitive is false)", b, quoted(bad))
	}
	if b == CPP {
		return "the C++ build refuses to load this config: none of block_urls, block_exact_urls, block_regexp_urls, block_headers, block_bodies or block_bodys has an entry"
	}
	return "the Go build refuses to load this config: it has no block_urls, block_headers or block_bodies entry (exact and regex URL rules do not count)"
}

// unreadBodies are the body words of the config that build b does not read (listed under the
// other spelling only).
func unreadBodies(c *Config, b Build) []string {
	read := b.Read(c, InBody)
	var out []string
	for _, w := range c.list(InBody) {
		if !slices.Contains(read, w) && w != "" {
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
