package requestblock

import (
	"fmt"
	"regexp"
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
	// Warnings say where the rules would miss what the user probably meant to block.
	Warnings []string `json:"warnings"`
}

// Evaluate applies the config to a request as request-block does: the path (exact, then
// keyword, then regex), then headers, then the body, each lower-cased when the config is
// case-insensitive; the first rule that matches blocks with blocked_code and blocked_message.
//
// Behaviour follows Higress's plugins: plugins/wasm-go/extensions/request-block/main.go for
// exact and regex URL rules, which that build checks only when at least one keyword URL rule
// exists (and lower-cases regex patterns when case-insensitive), and both builds for keyword
// matching: substring on the raw path, on header names and values, and on the raw body up to
// 32 MiB.
func Evaluate(c *Config, r Request) Verdict {
	cs, _ := c.CaseSensitive()
	fold := func(s string) string {
		if cs {
			return s
		}
		return strings.ToLower(s)
	}
	v := Verdict{Warnings: warnings(c, r, cs)}
	block := func(w Word) Verdict {
		v.Blocked, v.Rule, v.Code, v.Message = true, &w, c.BlockedCode(), c.BlockedMessage()
		return v
	}
	path := fold(r.Path)
	if keywords := c.list(InURL); len(keywords) > 0 {
		for _, w := range c.list(InURLExact) {
			if path == fold(w) {
				return block(Word{w, InURLExact})
			}
		}
		for _, w := range keywords {
			if strings.Contains(path, fold(w)) {
				return block(Word{w, InURL})
			}
		}
		for _, w := range c.list(InURLRegex) {
			if re, err := regexp.Compile(fold(w)); err == nil && re.MatchString(path) {
				return block(Word{w, InURLRegex})
			}
		}
	}
	for _, w := range c.list(InHeader) {
		for _, h := range r.Headers {
			if strings.Contains(fold(h[0]), fold(w)) || strings.Contains(fold(h[1]), fold(w)) {
				return block(Word{w, InHeader})
			}
		}
	}
	if len(r.Body) <= MaxBody {
		body := fold(string(r.Body))
		for _, w := range c.list(InBody) {
			if strings.Contains(body, fold(w)) {
				return block(Word{w, InBody})
			}
		}
	}
	return v
}

// warnings explain where the rules would let through what they were meant to stop.
func warnings(c *Config, r Request, caseSensitive bool) []string {
	out := []string{}
	if _, set := c.CaseSensitive(); !set {
		out = append(out, "case_sensitive is not set: Higress's built-in (C++) plugin then matches case-sensitively, the Go build does not; this test assumes case-sensitive (every higress-ai edit writes it explicitly)")
	}
	if len(c.list(InURL)) == 0 && len(c.list(InURLExact))+len(c.list(InURLRegex)) > 0 {
		out = append(out, "exact and regex URL rules are checked only when at least one keyword URL rule (block add --in url) exists")
	}
	if len(r.Body) > MaxBody {
		out = append(out, "the body is over 32 MiB: the plugin does not inspect it")
	}
	body := string(r.Body)
	for _, w := range c.list(InBody) {
		if escaped := jsonEscapedForms(body, w); escaped != "" {
			out = append(out, fmt.Sprintf("the body spells %q with JSON escapes (%s): the plugin matches the raw body, so this is not blocked", w, escaped))
		}
		if caseSensitive && !strings.Contains(body, w) && strings.Contains(strings.ToLower(body), strings.ToLower(w)) {
			out = append(out, fmt.Sprintf("the body contains %q in another case: not blocked because case_sensitive is true", w))
		}
	}
	if caseSensitive {
		for _, w := range c.list(InURL) {
			if !strings.Contains(r.Path, w) && strings.Contains(strings.ToLower(r.Path), strings.ToLower(w)) {
				out = append(out, fmt.Sprintf("the path contains %q in another case: not blocked because case_sensitive is true", w))
			}
		}
	}
	return out
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
