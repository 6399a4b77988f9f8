package secret

import (
	"reflect"
	"testing"
)

func TestMask(t *testing.T) {
	cases := map[string]string{
		"hai_2NfAlj8K1Ry9tRju5XHBfkr2YWETaqMOORZWDUAI8YQ": "hai_****I8YQ",
		"Bearer hai_2NfAlj8K1Ry9tRju5XHBfkr2":             "Bearer hai_****fkr2",
		"sk-proj-abcdefghijklmnop":                        "sk-****mnop",
		"legacy-plain-key-0001":                           "****0001",
		"short":                                           "****",
		"Bearer short":                                    "Bearer ****",
	}
	for in, want := range cases {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactMasksCredentialFieldsOnly(t *testing.T) {
	in := map[string]any{
		"consumers": []any{map[string]any{"name": "alice", "credentials": []any{"Bearer hai_0123456789abcdef"}, "credential": "plain-0123456789"}},
		"provider":  map[string]any{"apiTokens": []any{"sk-0123456789abcdef"}, "type": "openai"},
		"keys":      []any{"Authorization"},
	}
	want := map[string]any{
		"consumers": []any{map[string]any{"name": "alice", "credentials": []any{"Bearer hai_****cdef"}, "credential": "****6789"}},
		"provider":  map[string]any{"apiTokens": []any{"sk-****cdef"}, "type": "openai"},
		"keys":      []any{"Authorization"},
	}
	if got := Redact(in); !reflect.DeepEqual(got, want) {
		t.Fatalf("Redact = %v\nwant %v", got, want)
	}
	if in["provider"].(map[string]any)["apiTokens"].([]any)[0] != "sk-0123456789abcdef" {
		t.Fatal("Redact changed its input")
	}
}

func TestHolds(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want bool
	}{
		{"key-auth consumer", map[string]any{"consumers": []any{map[string]any{"name": "a", "credentials": []any{"Bearer hai_x"}}}}, true},
		{"single credential", map[string]any{"consumers": []any{map[string]any{"name": "a", "credential": "k"}}}, true},
		{"ai-proxy provider", map[string]any{"providers": []any{map[string]any{"type": "openai", "apiTokens": []any{"sk-1"}}}}, true},
		{"no consumers yet", map[string]any{"consumers": []any{}, "global_auth": false}, false},
		{"request-block words", map[string]any{"block_bodies": []any{"password", "token"}}, false},
		{"empty credential", map[string]any{"token": ""}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Holds(tc.in); got != tc.want {
				t.Fatalf("Holds = %v, want %v", got, tc.want)
			}
		})
	}
}
