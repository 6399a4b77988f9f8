package termsafe

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestEscape(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"printable ascii unchanged", "alice-01.team", "alice-01.team"},
		{"non-ascii letters unchanged", "équipe-données", "équipe-données"},
		{"clear-screen sequence", "\x1b[2J\x1b[Hmallory", `\x1b[2J\x1b[Hmallory`},
		{"window title (OSC) with BEL", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"C1 CSI as UTF-8", "a\u009b31mb", `a\u009b31mb`},
		{"bidi override", "user\u202egnp.exe", `user\u202egnp.exe`},
		{"bidi isolate and zero-width", "a\u2066b\u200bc", `a\u2066b\u200bc`},
		{"newline, tab, carriage return", "a\nb\tc\rd", `a\x0ab\x09c\x0dd`},
		{"invalid UTF-8", "ok\xff\xfe", `ok\xff\xfe`},
		{"DEL and NUL", "a\x7fb\x00", `a\x7fb\x00`},
		{"line separator", "a\u2028b", `a\u2028b`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Escape(tc.in)
			if got != tc.want {
				t.Fatalf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if strings.ContainsAny(got, "\x1b\x07\u009b\u202e\n\r\t") {
				t.Fatalf("escaped text still holds a control: %q", got)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	cases := []struct{ name, in, wantErr string }{
		{"plain", "team-a/gpt-4o", ""},
		{"dots and unicode letters", "api.example.com", ""},
		{"escape sequence", "x\x1b[2J", `invalid route name "x\x1b[2J": it holds a control or invisible character (U+001B)`},
		{"C1", "x\u0085", `(U+0085)`},
		{"bidi", "a\u202eb", `invalid route name "a\u202eb"`},
		{"newline", "a\nb", `(U+000A)`},
		{"not UTF-8", "a\xffb", `invalid route name "a\xffb": not UTF-8`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Check("route name", tc.in)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Check(%q): %v", tc.in, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Check(%q) = %v, want %q", tc.in, err, tc.wantErr)
			case err != nil && strings.ContainsAny(err.Error(), "\x1b\u202e\n"):
				t.Fatalf("the error prints the control itself: %q", err)
			}
		})
	}
}

func TestEscapeJSONKeepsTheValue(t *testing.T) {
	in := map[string]string{"name": "a\u009b2Jb\u202ec\u200bd é \U000e0001", "plain": "x"}
	js, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	got := EscapeJSON(js)
	if strings.ContainsAny(string(got), "\u009b\u202e\u200b\U000e0001") {
		t.Fatalf("EscapeJSON left a control: %q", got)
	}
	if !strings.Contains(string(got), `a\u009b2Jb\u202ec\u200bd é \udb40\udc01`) {
		t.Fatalf("EscapeJSON = %s", got)
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["name"] != in["name"] || back["plain"] != "x" {
		t.Fatalf("the value changed: %q %v", back, err)
	}
}

func TestEscapeLinesKeepsNewlines(t *testing.T) {
	if got, want := EscapeLines("- name: a\x1b[2J\n+ name: b\u202e\n"), "- name: a\\x1b[2J\n+ name: b\\u202e\n"; got != want {
		t.Fatalf("EscapeLines = %q, want %q", got, want)
	}
}

func TestEscapeYAMLKeepsTheValue(t *testing.T) {
	in := map[string]any{"name": "a\u202eb\U000e0001", "list": []any{"x\u200by", "plain"}, "n": 3, "k\u2066": "v"}
	y, err := yaml.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := EscapeYAML(y)
	if err != nil {
		t.Fatal(err)
	}
	if hasUnsafeNonASCII(got) {
		t.Fatalf("EscapeYAML left a format character:\n%s", got)
	}
	var back map[string]any
	if err := yaml.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, in) {
		t.Fatalf("the value changed: %#v\n%s", back, got)
	}
	plain := []byte("name: alice\nlist:\n- a\n")
	if got, _ := EscapeYAML(plain); string(got) != string(plain) {
		t.Fatalf("YAML with nothing to escape was rewritten: %q", got)
	}
}
