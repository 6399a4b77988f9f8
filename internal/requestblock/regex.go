package requestblock

import (
	"fmt"
	"strings"
)

// LoweringChanges lists what lower-casing a regex changes in its meaning, beyond its literal
// text: both builds lower-case block_regexp_urls when case_sensitive is false (plugin.cc:
// absl::AsciiStrToLower before compiling; main.go: strings.ToLower), so `\D` (a non-digit)
// becomes `\d` (a digit), `[A-Z]` becomes `[a-z]`, `\P{Greek}` (not Greek) becomes `\p{greek}`,
// `(?U)` becomes `(?u)` (which does not compile). Each entry reads "`\D` becomes `\d`". Literal letters are
// what case-insensitive matching means to fold, so they are not listed.
func LoweringChanges(pattern string, b Build) []string {
	fold := b.fold(false)
	var out []string
	add := func(frag string) {
		if low := fold(frag); low != frag {
			out = append(out, fmt.Sprintf("`%s` becomes `%s`", frag, low))
		}
	}
	for i := 0; i < len(pattern); {
		switch {
		case pattern[i] == '\\':
			end, significant := escapeEnd(pattern, i)
			if significant {
				add(pattern[i:end])
			}
			i = end
		case pattern[i] == '[':
			end := classEnd(pattern, i)
			class := pattern[i:end]
			if hasUpperOutsideEscapes(class, fold) {
				add(class)
			} else {
				// Escapes inside a class (`[\D]`) change like any other.
				for j := 1; j < len(class); {
					if class[j] != '\\' {
						j++
						continue
					}
					e, significant := escapeEnd(class, j)
					if significant {
						add(class[j:e])
					}
					j = e
				}
			}
			i = end
		case strings.HasPrefix(pattern[i:], "(?"):
			end := strings.IndexAny(pattern[i+2:], ":)")
			if end < 0 {
				return out
			}
			flags := pattern[i : i+2+end+1]
			if !strings.HasPrefix(flags, "(?P<") && !strings.HasPrefix(flags, "(?<") {
				add(flags)
			}
			i += 2 + end + 1
		default:
			i++
		}
	}
	return out
}

// escapeEnd is where the escape at p[i] ends, and whether lower-casing it can change its meaning:
// a letter escape (\D, \S, \W, \B, \A, \Q, \C, \P, \pL, \p{Name}), not a hexadecimal one (\x4F,
// \x{4F}), whose digits mean the same in either case, nor an escaped punctuation mark.
func escapeEnd(p string, i int) (int, bool) {
	if i+1 >= len(p) {
		return len(p), false
	}
	switch c := p[i+1]; {
	case c == 'x':
		if i+2 < len(p) && p[i+2] == '{' {
			if e := strings.IndexByte(p[i+2:], '}'); e >= 0 {
				return i + 2 + e + 1, false
			}
			return len(p), false
		}
		return min(i+4, len(p)), false
	case c == 'p' || c == 'P':
		if i+2 < len(p) && p[i+2] == '{' {
			if e := strings.IndexByte(p[i+2:], '}'); e >= 0 {
				return i + 2 + e + 1, true
			}
			return len(p), true
		}
		return min(i+3, len(p)), true
	case c >= 'A' && c <= 'Z':
		return i + 2, true
	}
	return i + 2, false
}

// classEnd is the end of the character class opening at p[i]: a ']' right after '[' or '[^' is a
// literal, escapes and [:name:] are skipped.
func classEnd(p string, i int) int {
	j := i + 1
	if j < len(p) && p[j] == '^' {
		j++
	}
	if j < len(p) && p[j] == ']' {
		j++
	}
	for j < len(p) {
		switch {
		case p[j] == '\\':
			j, _ = escapeEnd(p, j)
		case strings.HasPrefix(p[j:], "[:"):
			if e := strings.Index(p[j+2:], ":]"); e >= 0 {
				j += 2 + e + 2
			} else {
				j++
			}
		case p[j] == ']':
			return j + 1
		default:
			j++
		}
	}
	return len(p)
}

// hasUpperOutsideEscapes reports a letter in a class that lower-casing changes, other than in an
// escape (handled on its own).
func hasUpperOutsideEscapes(class string, fold func(string) string) bool {
	for j := 0; j < len(class); {
		if class[j] == '\\' {
			j, _ = escapeEnd(class, j)
			continue
		}
		k := j + 1
		for k < len(class) && class[k] != '\\' {
			k++
		}
		if fold(class[j:k]) != class[j:k] {
			return true
		}
		j = k
	}
	return false
}
