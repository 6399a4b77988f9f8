package openai

import "bytes"

// A small scanner for the few keys the plugin reads. In the gateway the plugin runs as wasm,
// where every byte gjson looks at costs many times what it costs natively: going through an
// object's members skipping their values, without decoding them, is several times cheaper than
// gjson's ForEach. It handles only what it can do exactly; for anything else (a key with an
// escape, a malformed object) it reports false and the caller falls back to gjson.

// members calls fn with each member of the object obj (which starts with '{'): the key without
// quotes, and the value's raw bytes with its offset in obj. It stops when fn returns false. It
// reports false when a key has an escape or obj is not a well-formed object at this level.
func members(obj []byte, fn func(key, value []byte, at int) bool) bool {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return false
	}
	i = skipSpace(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		return true
	}
	for i < len(obj) {
		if obj[i] != '"' {
			return false
		}
		end := stringEnd(obj, i)
		if end >= len(obj) {
			return false
		}
		key := obj[i+1 : end]
		if bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		i = skipSpace(obj, end+1)
		if i >= len(obj) || obj[i] != ':' {
			return false
		}
		i = skipSpace(obj, i+1)
		n := rawEnd(obj[i:])
		if n <= 0 {
			return false
		}
		if !fn(key, obj[i:i+n], i) {
			return true
		}
		i = skipSpace(obj, i+n)
		if i >= len(obj) {
			return false
		}
		switch obj[i] {
		case ',':
			i = skipSpace(obj, i+1)
		case '}':
			return true
		default:
			return false
		}
	}
	return false
}

// rawEnd is the length of the value b starts with: a string, object or array (to its matching
// end), or a number or literal (to the next delimiter); 0 or less when there is none.
func rawEnd(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	switch b[0] {
	case '"':
		end := stringEnd(b, 0)
		if end >= len(b) {
			return 0
		}
		return end + 1
	case '{', '[':
		return valueEnd(b)
	}
	i := 0
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !isSpace(b[i]) {
		i++
	}
	return i
}

// plainInt reads a value that is an integer written plainly (at most 15 digits, optional minus).
func plainInt(v []byte) (int64, bool) {
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
