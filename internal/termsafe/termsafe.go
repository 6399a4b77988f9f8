// Package termsafe makes text the tool did not write itself safe to print on a terminal, and
// refuses names that could not be printed as given.
//
// Names, words and log fields come from YAML files, the cluster and gateway logs: any of them may
// hold an escape sequence (which a terminal obeys: clear the screen, retitle the window, rewrite
// what was printed before) or a bidirectional-text control (which reorders what the reader sees).
package termsafe

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Escape returns s with every character a terminal would not simply show made visible: C0 and C1
// controls, DEL, tab and newline as \xNN, bidirectional and other invisible format characters
// (U+200B..U+200F, U+202A..U+202E, U+2066..U+2069, ...) and line or paragraph separators as
// \uNNNN, and bytes that are not UTF-8 as \xNN. Everything else is kept, so printable names,
// non-ASCII ones included, print unchanged.
func Escape(s string) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++ // the common case: printable ASCII needs no work
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafeRune reports the characters Escape makes visible.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true // C0, DEL, C1 (0x9b alone is CSI on many terminals)
	case r == 0x2028, r == 0x2029:
		return true // line and paragraph separators
	}
	// Format characters: the bidi embeddings, overrides, isolates and marks, zero-width spaces and
	// joiners, the byte-order mark, soft hyphen, interlinear annotation...
	return unicode.Is(unicode.Cf, r)
}

// Check refuses a name or word a user gave (a consumer, route, domain, plugin) that holds a
// control, bidirectional or other invisible format character, or is not UTF-8: such a name cannot
// be told apart from another on a terminal, and printing it would run whatever escape sequence it
// holds. what names the value for the message ("route name", "word").
func Check(what, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("invalid %s %q: not UTF-8", what, s)
	}
	for _, r := range s {
		if unsafeRune(r) {
			return fmt.Errorf("invalid %s %q: it holds a control or invisible character (%U)", what, s, r)
		}
	}
	return nil
}

// EscapeJSON rewrites the characters Escape makes visible as JSON \u escapes in encoded JSON. The
// value is unchanged for any JSON reader; only its spelling is. encoding/json already escapes
// the C0 controls; this adds C1, the format characters and the separators, which can only appear
// inside strings (everything outside them is ASCII), and keeps everything else byte for byte.
func EscapeJSON(js []byte) []byte {
	return rewriteUnsafe(js, func(b []byte, r rune) []byte {
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			return fmt.Appendf(b, `\u%04x\u%04x`, r1, r2)
		}
		return fmt.Appendf(b, `\u%04x`, r)
	})
}

// EscapeYAML does for encoded YAML what EscapeJSON does for JSON. A YAML escape only works in a
// double-quoted scalar, so when there is anything to escape the document is re-encoded with the
// scalars holding it double-quoted (and otherwise the same data); else it is returned as it was.
// The YAML encoder already escapes C0 and C1 controls itself, not the format characters.
func EscapeYAML(y []byte) ([]byte, error) {
	if !hasUnsafeNonASCII(y) {
		return y, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(y, &doc); err != nil {
		return nil, err
	}
	quoteUnsafe(&doc)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return rewriteUnsafe(b.Bytes(), func(b []byte, r rune) []byte {
		if r > 0xffff {
			return fmt.Appendf(b, `\U%08x`, r)
		}
		return fmt.Appendf(b, `\u%04x`, r)
	}), nil
}

func quoteUnsafe(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && hasUnsafeNonASCII([]byte(n.Value)) {
		n.Style = yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		quoteUnsafe(c)
	}
}

func hasUnsafeNonASCII(b []byte) bool {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r >= 0x80 && unsafeRune(r) {
			return true
		}
		i += size
	}
	return false
}

// rewriteUnsafe replaces each non-ASCII character Escape makes visible by what esc appends.
func rewriteUnsafe(text []byte, esc func([]byte, rune) []byte) []byte {
	i := 0
	for i < len(text) && text[i] < 0x80 {
		i++
	}
	if i == len(text) {
		return text
	}
	out := make([]byte, 0, len(text)+16)
	out = append(out, text[:i]...)
	for i < len(text) {
		r, size := utf8.DecodeRune(text[i:])
		if r >= 0x80 && unsafeRune(r) {
			out = esc(out, r)
		} else {
			out = append(out, text[i:i+size]...)
		}
		i += size
	}
	return out
}

// EscapeLines is Escape for text of several lines (a diff): each line escaped, newlines kept.
func EscapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Escape(l)
	}
	return strings.Join(lines, "\n")
}
