package apipath

import "testing"

func TestNormalizeReadsEverySpellingOfAPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/v1/chat/completions", "/v1/chat/completions"},
		{"/v1/chat/completions/", "/v1/chat/completions"},
		{"/v1/chat%2Fcompletions", "/v1/chat/completions"},
		{"/v1/chat%2fcompletions", "/v1/chat/completions"},
		{"/v1/%63hat/completions", "/v1/chat/completions"},
		{"/v1/chat%252Fcompletions", "/v1/chat/completions"},
		{"/v1//chat///completions", "/v1/chat/completions"},
		{"//v1/embeddings", "/v1/embeddings"},
		{"/v1/./embeddings", "/v1/embeddings"},
		{"/x/../v1/embeddings", "/v1/embeddings"},
		{"/../../v1/embeddings", "/v1/embeddings"},
		{"/v1/%2e%2e/v1/embeddings", "/v1/embeddings"},
		{"/v1/completions;x=1", "/v1/completions"},
		{"/v1;a/chat;b/completions", "/v1/chat/completions"},
		{"/V1/Chat/Completions", "/v1/chat/completions"},
		{`/v1\chat\completions`, "/v1/chat/completions"},
		{"/v1/chat%5Ccompletions", "/v1/chat/completions"},
		{"v1/embeddings", "/v1/embeddings"},
		{"", "/"},
		{"/", "/"},
		{"/v1/models%", "/v1/models%"},
		{"/v1/models%zz", "/v1/models%zz"},
		{"/.well-known/x", "/.well-known/x"},
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"/v1/responses", "/v1/responses", true},
		{"/v1/responses", "/v1/responses/x", false},
		{"/v1/files/*", "/v1/files", true},
		{"/v1/files/*", "/v1/files/abc/content", true},
		{"/v1/files/*", "/v1/filesx", false},
		{"/*", "/anything", true},
	} {
		if got := Match(tc.pattern, tc.path); got != tc.want {
			t.Errorf("Match(%q, %q) = %v", tc.pattern, tc.path, got)
		}
	}
}

func FuzzNormalizeIsStable(f *testing.F) {
	for _, s := range []string{"/v1/chat%2Fcompletions", "/a/../b;c//d/", `\x%25%32%46`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		n := Normalize(p)
		if n == "" || n[0] != '/' {
			t.Fatalf("Normalize(%q) = %q: not a path", p, n)
		}
		// A server that normalizes once more reads the same path, unless decoding went deeper
		// than maxDecodes allows.
		if again := Normalize(n); again != n && !containsEscape(n) {
			t.Fatalf("Normalize(%q) = %q, normalized again %q", p, n, again)
		}
	})
}

func containsEscape(p string) bool {
	for i := 0; i+2 < len(p); i++ {
		if p[i] == '%' && isHex(p[i+1]) && isHex(p[i+2]) {
			return true
		}
	}
	return false
}
