// Package secret keeps credentials out of what the tool prints: masking for listings and
// redaction of whole config trees for diffs and dumps.
package secret

import "strings"

// Mask shows enough of a credential to tell keys apart and nothing to use: a known prefix, then
// the last four characters. Short values are hidden whole.
func Mask(s string) string {
	scheme := ""
	if i := strings.IndexByte(s, ' '); i > 0 && strings.EqualFold(s[:i], "bearer") {
		scheme, s = s[:i+1], s[i+1:]
	}
	if len(s) < 12 {
		return scheme + "****"
	}
	prefix := ""
	if i := strings.IndexAny(s, "_-"); i > 0 && i <= 3 {
		prefix = s[:i+1]
	}
	return scheme + prefix + "****" + s[len(s)-4:]
}

// fields whose values are credentials in the plugin configs this tool edits: key-auth's
// credential/credentials, ai-proxy's apiTokens, and the usual names of other plugins.
var fields = map[string]bool{
	"credential": true, "credentials": true, "apitokens": true, "apitoken": true,
	"api_key": true, "apikey": true, "password": true, "secret": true, "token": true,
}

// IsField reports whether a config field holds credentials.
func IsField(name string) bool { return fields[strings.ToLower(name)] }

// Redact returns a deep copy of v with every string under a credential field masked.
func Redact(v any) any { return redact(v, false) }

func redact(v any, inSecret bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[k] = redact(val, inSecret || IsField(k))
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = redact(val, inSecret)
		}
		return out
	case string:
		if inSecret {
			return Mask(t)
		}
		return t
	default:
		return v
	}
}

// Holds reports whether v (a config tree) holds a credential: a non-empty string under a
// credential field. A file holding one is created readable by its owner only.
func Holds(v any) bool { return holds(v, false) }

func holds(v any, inSecret bool) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if holds(val, inSecret || IsField(k)) {
				return true
			}
		}
	case []any:
		for _, val := range t {
			if holds(val, inSecret) {
				return true
			}
		}
	case string:
		return inSecret && t != ""
	}
	return false
}
