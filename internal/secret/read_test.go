package secret

import (
	"strings"
	"testing"
)

func TestReadLine(t *testing.T) {
	const k = "hai_ownKey0123456789abcdef"
	cases := []struct {
		name, in, want, wantErr string
	}{
		{"as given", k, k, ""},
		{"one newline stripped", k + "\n", k, ""},
		{"CR LF stripped", k + "\r\n", k, ""},
		{"non-ASCII letters kept", "clé-secrète-0123456789", "clé-secrète-0123456789", ""},
		{"longest", strings.Repeat("a", MaxBytes) + "\n", strings.Repeat("a", MaxBytes), ""},
		{"one byte too long", strings.Repeat("a", MaxBytes+1), "", "the key is longer than 8192 bytes"},
		{"far too long", strings.Repeat("a", 70<<10), "", "the key is longer than 8192 bytes"},
		{"empty", "", "", "no key on standard input"},
		{"newline only", "\n", "", "no key on standard input"},
		{"two lines", k + "\nsecond", "", "the key holds more than one line"},
		{"two newlines", k + "\n\n", "", "the key holds more than one line"},
		{"lone CR", k + "\r", "", "the key holds more than one line"},
		{"invalid UTF-8", k + "\xff", "", "the key is not valid UTF-8"},
		{"C0 escape", k + "\x1b[2J", "", "the key holds a control character (U+001B)"},
		{"NUL", k + "\x00", "", "(U+0000)"},
		{"C1 next line", k + "\u0085", "", "(U+0085)"},
		{"C1 CSI", k + "\u009b", "", "the key holds a control character (U+009B)"},
		{"tab", "hai_own\tkey0123456789", "", "the key holds a control character (U+0009)"},
		{"a space is the caller's to judge", "pass word", "pass word", ""},
		{"zero-width space", k + "\u200b", "", "the key holds an invisible format character (U+200B)"},
		{"byte-order mark", "\ufeff" + k, "", "(U+FEFF)"},
		{"bidi override", k + "\u202e", "", "(U+202E)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadLine(strings.NewReader(tc.in), "key")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ReadLine: %q, %v; want error %q", got, err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "ownKey") || strings.Contains(err.Error(), "aaaa") {
					t.Fatalf("the error holds the key: %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ReadLine = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
