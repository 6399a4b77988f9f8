package secret

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBytes is the longest secret ReadLine accepts: far above any provider's or gateway key and
// registry password (JWT-style tokens included), far below what a request header can carry
// through Envoy (60 KiB for all of them).
const MaxBytes = 8 << 10

// ReadLine reads one secret (a key, a password) from r, standard input: everything r holds, less
// one trailing line ending (\n or \r\n). It returns exactly what it was given or refuses it with
// one line that never holds the secret: longer than MaxBytes, several lines, or what
// CheckPrintable refuses. Nothing is cut or rewritten. what names the secret ("key").
func ReadLine(r io.Reader, what string) (string, error) {
	// Room for \r\n, and one byte more to tell "too long".
	b, err := io.ReadAll(io.LimitReader(r, MaxBytes+3))
	if err != nil {
		return "", err
	}
	s := string(b)
	if k, ok := strings.CutSuffix(s, "\n"); ok {
		s = strings.TrimSuffix(k, "\r")
	}
	switch {
	case len(s) > MaxBytes:
		return "", fmt.Errorf("the %s is longer than %d bytes", what, MaxBytes)
	case s == "":
		return "", &emptyError{what}
	case strings.ContainsAny(s, "\r\n"):
		return "", fmt.Errorf("the %s holds more than one line", what)
	}
	return s, CheckPrintable(s, what)
}

type emptyError struct{ what string }

func (e *emptyError) Error() string { return "no " + e.what + " on standard input" }

// IsEmpty reports the error ReadLine gives for empty input.
func IsEmpty(err error) bool {
	var e *emptyError
	return errors.As(err, &e)
}

// CheckPrintable refuses a secret that is not UTF-8 or holds a control character (C0, DEL, C1)
// or an invisible format character (zero-width spaces, bidi controls, a byte-order mark): none
// belongs in a secret, and each is invisible where it was copied from. The message names the
// character's code point, never the secret.
func CheckPrintable(s, what string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("the %s is not valid UTF-8", what)
	}
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return fmt.Errorf("the %s holds a control character (%U)", what, r)
		case unicode.Is(unicode.Cf, r):
			return fmt.Errorf("the %s holds an invisible format character (%U)", what, r)
		}
	}
	return nil
}

// IsSpace reports a space of any kind: ASCII, no-break and the other Unicode spaces.
func IsSpace(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) }
