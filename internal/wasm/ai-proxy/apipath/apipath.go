// Package apipath reads a request path as the servers behind the gateway may read it, so that a
// path the plugin checks cannot reach a model server under another spelling: percent-encoded
// (/v1/chat%2Fcompletions), with dot segments or doubled slashes (/v1/./chat//completions,
// /x/../v1/embeddings), with ;parameters (/v1/completions;x), in another case
// (/V1/Embeddings), or with a trailing slash.
package apipath

import "strings"

// maxDecodes bounds how often the path is percent-decoded (%2525 decodes to %25, then to %).
const maxDecodes = 3

// Normalize returns the path (without its query) as the plugin compares it: percent-decoded
// (up to three times), '\' read as '/', each segment cut at its first ';', empty and "."
// segments dropped, ".." segments resolved (never above the root), lower-cased, starting with
// '/' and without a trailing one. A path that needs none of this is returned as it is.
func Normalize(p string) string {
	if plain(p) {
		return p
	}
	for i := 0; i < maxDecodes && strings.IndexByte(p, '%') >= 0; i++ {
		d := decode(p)
		if d == p {
			break
		}
		p = d
	}
	p = strings.ReplaceAll(p, `\`, "/")
	var out []string
	for _, seg := range strings.Split(p, "/") {
		seg, _, _ = strings.Cut(seg, ";")
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, strings.ToLower(seg))
		}
	}
	return "/" + strings.Join(out, "/")
}

// plain reports whether Normalize would leave p as it is: it starts with '/', has no '%', ';',
// '\', upper-case letter, empty or dot segment, and no trailing '/' (but for "/" itself).
func plain(p string) bool {
	if p == "/" {
		return true
	}
	if len(p) == 0 || p[0] != '/' || p[len(p)-1] == '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '%' || c == ';' || c == '\\' || ('A' <= c && c <= 'Z'):
			return false
		case c == '/' && i+1 < len(p) && (p[i+1] == '/' || p[i+1] == '.'):
			// A segment starting with a dot: "." or "..", or a name like ".well-known" (which
			// normalizing leaves as it is).
			return false
		}
	}
	return true
}

// decode replaces each valid %XX by its byte; other '%' stay.
func decode(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
			b.WriteByte(unhex(p[i+1])<<4 | unhex(p[i+2]))
			i += 2
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// Match reports whether a normalized path matches a pattern (normalized too): the exact path,
// or, for a pattern ending in "/*", the path before it and everything under it.
func Match(pattern, path string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/*"); ok {
		return path == prefix || strings.HasPrefix(path, prefix+"/") || prefix == ""
	}
	return pattern == path
}
