//go:build !noprebuilt

package prebuilt

import (
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/higress-ai/higress-ai/internal/wasm/abi"
	"github.com/higress-ai/higress-ai/internal/wasm/layer"
	"github.com/higress-ai/higress-ai/internal/wasm/pluginbuild"
)

func TestEmbeddedModuleRuns(t *testing.T) {
	module, info, err := Module()
	if err != nil {
		t.Fatal(err)
	}
	if err := abi.Check(module); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(info.Go, "go1.") {
		t.Fatalf("plugin.json records toolchain %q", info.Go)
	}
}

// The embedded copy is what the current source builds into: CI fails when someone changed the
// plugin and forgot to regenerate it.
func TestEmbeddedModuleIsAFreshBuild(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("go is not on PATH: this test rebuilds the plugin with the real toolchain")
	}
	_, info, err := Module()
	if err != nil {
		t.Fatal(err)
	}
	src, err := pluginbuild.FindSource(".")
	if err != nil {
		t.Fatal(err)
	}
	res, err := pluginbuild.Build(context.Background(), pluginbuild.Options{
		Dir: src, Out: filepath.Join(t.TempDir(), "plugin.wasm"), Toolchain: info.Go,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.SHA256 != info.SHA256 || res.Size != info.Size {
		t.Fatalf("the embedded module (sha256 %s, %d bytes) is not a build of the current plugin source with %s (sha256 %s, %d bytes): run %s and commit internal/wasm/prebuilt",
			info.SHA256, info.Size, info.Go, res.SHA256, res.Size, Regenerate)
	}
}

func TestDecodeRefusesAMismatch(t *testing.T) {
	gz, err := layer.Pack([]byte("\x00asm\x01\x00\x00\x00"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, info, wantErr string
		gz                  []byte
	}{
		{name: "matches", gz: gz, info: `{"go":"go1.26.0","size":8,"sha256":"` + sha("\x00asm\x01\x00\x00\x00") + `"}`},
		{name: "other sha256", gz: gz, info: `{"go":"go1.26.0","size":8,"sha256":"00"}`, wantErr: "does not match plugin.json: run " + Regenerate},
		{name: "not gzip", gz: []byte("plain"), info: `{}`, wantErr: "plugin.tar.gz is broken"},
		{name: "broken json", gz: gz, info: `{`, wantErr: "plugin.json is broken"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Decode(tc.gz, []byte(tc.info))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Decode = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func sha(s string) string { return pluginbuild.Describe("", []byte(s)).SHA256 }

func TestArchiveIsTheModulesLayer(t *testing.T) {
	archive, info, err := Archive()
	if err != nil {
		t.Fatal(err)
	}
	module, want, err := Module()
	if err != nil {
		t.Fatal(err)
	}
	if info != want {
		t.Fatalf("Archive's info %+v, Module's %+v", info, want)
	}
	// compress/flate's output may change between Go releases: with the release that generated
	// it, pushing the carried module and pushing the same module from a file give one digest.
	if runtime.Version() != info.Go {
		return
	}
	again, err := layer.Pack(module)
	if err != nil || string(again) != string(archive) {
		t.Fatalf("the embedded layer is not layer.Pack of its module (%v): a push of the carried module and of the same file would differ", err)
	}
}
