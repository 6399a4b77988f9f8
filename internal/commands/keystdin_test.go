package commands

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

// storedCredentials reads the credentials of consumer name as written in the folder.
func storedCredentials(t *testing.T, dir, name string) []any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "key-auth.internal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Spec struct {
			DefaultConfig struct {
				Consumers []map[string]any `json:"consumers"`
			} `json:"defaultConfig"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Spec.DefaultConfig.Consumers {
		if c["name"] == name {
			creds, _ := c["credentials"].([]any)
			return creds
		}
	}
	t.Fatalf("no consumer %q in the folder", name)
	return nil
}

func TestKeyStdinStoresExactlyTheKeyOrRefuses(t *testing.T) {
	const k = "hai_ownKey0123456789abcdef"
	long := strings.Repeat("k", 70<<10)
	cases := []struct {
		name, in, stored, wantErr string
	}{
		{"as piped by echo", k + "\n", k, ""},
		{"CR LF line ending", k + "\r\n", k, ""},
		{"no line ending", k, k, ""},
		{"over 64 KiB", long, "", "error: --key-stdin: the key is longer than 8192 bytes\n"},
		{"just over the cap", strings.Repeat("k", 8193) + "\n", "", "error: --key-stdin: the key is longer than 8192 bytes\n"},
		{"invalid UTF-8", k + "\xff\xfe", "", "error: --key-stdin: the key is not valid UTF-8\n"},
		{"C1 control", k + "\u0085", "", "error: --key-stdin: the key holds a control character (U+0085)\n"},
		{"C0 escape", k + "\x1b[0m", "", "error: --key-stdin: the key holds a control character (U+001B)\n"},
		{"no-break space", k + "\u00a0", "", "error: --key-stdin: the key holds a space (U+00A0)\n"},
		{"em space", k[:8] + "\u2003" + k[8:], "", "error: --key-stdin: the key holds a space (U+2003)\n"},
		{"zero-width space", k + "\u200b", "", "error: --key-stdin: the key holds an invisible format character (U+200B)\n"},
		{"a second line", k + "\nanother", "", "error: --key-stdin: the key holds more than one line\n"},
		{"empty", "", "", "error: --key-stdin: no key on standard input (see --help)\n"},
	}
	for _, tc := range cases {
		for _, verb := range []string{"add", "rotate"} {
			t.Run(tc.name+"/"+verb, func(t *testing.T) {
				tf := cmdutil.NewTestFactory(t)
				if verb == "rotate" {
					if code := runCLI(t, tf, "consumer", "add", "bob"); code != 0 {
						t.Fatalf("consumer add: exit %d, stderr %q", code, tf.Stderr)
					}
				}
				before, _ := os.ReadFile(filepath.Join(tf.Dir, "key-auth.internal.yaml"))
				tf.Stdin.Reset()
				tf.Stdin.WriteString(tc.in)
				code := runCLI(t, tf, "consumer", verb, "bob", "--key-stdin")
				if tc.wantErr != "" {
					if code != 1 || tf.Stderr.String() != tc.wantErr || tf.Stdout.Len() != 0 {
						t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, tf.Stdout, tf.Stderr, tc.wantErr)
					}
					if after, _ := os.ReadFile(filepath.Join(tf.Dir, "key-auth.internal.yaml")); string(after) != string(before) {
						t.Fatal("the folder was written")
					}
					return
				}
				if code != 0 {
					t.Fatalf("exit %d, stderr %q", code, tf.Stderr)
				}
				creds := storedCredentials(t, tf.Dir, "bob")
				if got := creds[len(creds)-1]; got != "Bearer "+tc.stored {
					t.Fatalf("stored %q, want %q", got, "Bearer "+tc.stored)
				}
			})
		}
	}
}
