package keyauth

import (
	"strings"
	"testing"
)

// TestBuildOf: the console installs key-auth:2.0.0, built from plugins/wasm-cpp/extensions/
// key_auth; Higress's release scripts push both builds to plugins/key-auth:1.0.0
// (plugins/wasm-cpp/scripts/build_and_push.sh, .github/workflows/build-and-push-wasm-plugin-image.yaml),
// so nothing else tells them apart.
func TestBuildOf(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want Build
	}{
		{"oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0", CPP},
		{"higress-registry.us-west-1.cr.aliyuncs.com/plugins/key-auth:2.0.0", CPP},
		{"oci://registry.internal/mirror/plugins/key-auth:2.0.0", CPP},
		{"oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:1.0.0", Unsure},
		{"oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:latest", Unsure},
		{"oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth@sha256:abcd", Unsure},
		{"oci://registry.example.com/key-auth-go:2.0.0", Unsure},
		{"file:///opt/key-auth/plugin.wasm", Unsure},
		{"", Unsure},
	} {
		if got := BuildOf(tc.url); got != tc.want {
			t.Errorf("BuildOf(%q) = %v, want %v", tc.url, got, tc.want)
		}
	}
	if err := CheckWritable("oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0", "ns/k"); err != nil {
		t.Fatal(err)
	}
	err := CheckWritable("oci://registry.example.com/key-auth:1.0.0", "ns/k")
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "Higress's Go key-auth refuses to load") {
		t.Fatalf("err = %v", err)
	}
}

// TestReadAsGoBuild: the Go build (plugins/wasm-go/extensions/key-auth/main.go) has no
// per-consumer keys, in_header/in_query default to false, and it reads the query only when it
// does not read headers (`if config.InHeader {...} else if config.InQuery {...}`).
func TestReadAsGoBuild(t *testing.T) {
	raw := map[string]any{"keys": []any{"x-api-key"}, "in_header": true, "in_query": true,
		"consumers": []any{map[string]any{"name": "alice", "credential": "alice-key-000001", "keys": []any{"x-own"}}}}
	cfg, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := cfg.Consumer("alice")
	if got := c.Where(); got != "header x-own, query x-own" {
		t.Fatalf("C++ Where = %q", got)
	}
	c, _ = cfg.ReadAs(Unsure).Consumer("alice")
	if got := c.Where(); got != "header x-api-key" {
		t.Fatalf("Go Where = %q", got)
	}
	delete(raw, "in_header")
	if got := c.Where(); got != "query x-api-key" {
		t.Fatalf("Go Where without in_header = %q", got)
	}
}
