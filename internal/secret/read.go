package secret

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxKeyBytes is the longest key ReadKey accepts: far above any provider's or gateway key (JWT-style
// tokens included), far below what a request header can carry through Envoy (60 KiB for all).
const MaxKeyBytes = 8 << 10

// ReadKey reads one key from r (standard input, a file): everything r holds, less one trailing
// line ending (\n or \r\n). It stores exactly what it was given or refuses it with one line that
// never holds the key: longer than MaxKeyBytes, not UTF-8, several lines, a control character
// (C0, DEL, C1), a space of any kind (ASCII, no-break, the Unicode spaces) or an invisible format
// character (zero-width spaces, bidi controls, byte-order mark). Nothing is cut or rewritten.
func ReadKey(r io.Reader) (string, error) {
	// Room for \r\n, and one byte more to tell "too long".
	b, err := io.ReadAll(io.LimitReader(r, MaxKeyBytes+3))
	if err != nil {
		return "", err
	}
	key := string(b)
	if k, ok := strings.CutSuffix(key, "\n"); ok {
		key = strings.TrimSuffix(k, "\r")
	}
	switch {
	case len(key) > MaxKeyBytes:
		return "", fmt.Errorf("the key is longer than %d bytes", MaxKeyBytes)
	case key == "":
		return "", errNoKey
	}
	return key, checkChars(key)
}

var errNoKey = errors.New("no key on standard input")

// IsEmpty reports the error ReadKey gives for empty input.
func IsEmpty(err error) bool { return errors.Is(err, errNoKey) }

func checkChars(key string) error {
	if !utf8.ValidString(key) {
		return errors.New("the key is not valid UTF-8")
	}
	for _, r := range key {
		switch {
		case r == '\n' || r == '\r':
			return errors.New("the key holds more than one line")
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return fmt.Errorf("the key holds a control character (%U)", r)
		case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
			return fmt.Errorf("the key holds a space (%U)", r)
		case unicode.Is(unicode.Cf, r):
			return fmt.Errorf("the key holds an invisible format character (%U)", r)
		}
	}
	return nil
}
