package abi

import (
	"strings"
	"testing"
)

// module encodes a minimal wasm binary: a custom section, then an export section holding the
// given function exports (all pointing at index 0) and one memory export named "memory".
func module(t *testing.T, funcs ...string) []byte {
	t.Helper()
	return moduleWithMemory(t, "memory", funcs...)
}

func moduleWithMemory(t *testing.T, memory string, funcs ...string) []byte {
	t.Helper()
	var body []byte
	body = appendU32(body, uint32(len(funcs)+1))
	for _, name := range funcs {
		body = appendU32(body, uint32(len(name)))
		body = append(body, name...)
		body = append(body, kindFunc)
		body = appendU32(body, 0)
	}
	body = appendU32(body, uint32(len(memory)))
	body = append(body, memory...)
	body = append(body, 2, 0) // memory 0
	out := append([]byte{}, magic...)
	custom := append(appendU32(nil, 4), "name"...)
	out = append(out, 0)
	out = appendU32(out, uint32(len(custom)))
	out = append(out, custom...)
	out = append(out, sectionExport)
	out = appendU32(out, uint32(len(body)))
	return append(out, body...)
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func complete() []string {
	return append(append([]string{}, required...), "proxy_abi_version_0_2_100", "proxy_on_tick")
}

func TestExports(t *testing.T) {
	// A name longer than 127 bytes needs a two-byte length.
	long := strings.Repeat("x", 200)
	got, err := Exports(module(t, "_initialize", long))
	if err != nil {
		t.Fatal(err)
	}
	want := []Export{{"_initialize", true}, {long, true}, {"memory", false}}
	if len(got) != len(want) {
		t.Fatalf("got %d exports, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("export %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestCheck(t *testing.T) {
	full := module(t, complete()...)
	tests := []struct {
		name    string
		module  []byte
		wantErr string
	}{
		{name: "every entry point", module: full},
		{name: "no abi version", module: module(t, required...), wantErr: "does not export proxy_abi_version_*"},
		{name: "missing callbacks", module: module(t, "_initialize", "proxy_abi_version_0_2_1"), wantErr: "proxy_on_configure, proxy_on_context_create"},
		{name: "no export section", module: append([]byte{}, magic...), wantErr: "does not export _initialize"},
		{name: "not wasm", module: []byte("\x7fELF\x02\x01\x01"), wantErr: "not a WebAssembly module"},
		{name: "truncated", module: full[:len(full)-3], wantErr: "truncated module"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.module)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Check = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestCheckMemoryNamedLikeAFunction(t *testing.T) {
	// A memory export named like an entry point does not count: the host calls functions.
	m := moduleWithMemory(t, "_initialize", complete()[1:]...)
	if err := Check(m); err == nil || !strings.Contains(err.Error(), "_initialize") {
		t.Fatalf("Check = %v, want _initialize missing", err)
	}
}
