package pluginbuild

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/higress-ai/higress-ai/internal/wasm/abi"
)

// repoPlugin is the plugin's module in this clone.
func repoPlugin(t *testing.T) string {
	t.Helper()
	dir, err := FindSource(".")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func requireGo(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("go is not on PATH: these tests build with the real toolchain")
	}
}

// copyTree copies a folder (the plugin's sources) so a build elsewhere can be compared.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBuildIsReproducibleAndExportsTheABI(t *testing.T) {
	requireGo(t)
	src := repoPlugin(t)
	elsewhere := filepath.Join(t.TempDir(), "somewhere", "else")
	copyTree(t, src, elsewhere)

	out := t.TempDir()
	first, err := Build(context.Background(), Options{Dir: src, Out: filepath.Join(out, "a.wasm")})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Build(context.Background(), Options{Dir: elsewhere, Out: filepath.Join(out, "b.wasm")})
	if err != nil {
		t.Fatal(err)
	}
	if first.SHA256 != second.SHA256 || first.Size != second.Size {
		t.Fatalf("the same sources built in two folders differ: %+v vs %+v", first, second)
	}
	data, err := os.ReadFile(first.Path)
	if err != nil {
		t.Fatal(err)
	}
	if got := Describe(first.Path, data); got != first {
		t.Fatalf("Result %+v does not describe the file written (%+v)", first, got)
	}
	if err := abi.Check(data); err != nil {
		t.Fatal(err)
	}
	if first.Size < 1<<20 {
		t.Fatalf("module of %d bytes: too small to be the plugin", first.Size)
	}
}

// module writes a small Go module to build.
func module(t *testing.T, goLine, mainGo string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n\ngo "+goLine+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(mainGo), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestBuildRefusesAModuleWithoutTheEntryPoints(t *testing.T) {
	requireGo(t)
	dir := module(t, "1.21", "package main\n\nfunc main() {}\n")
	out := filepath.Join(t.TempDir(), "plugin.wasm")
	_, err := Build(context.Background(), Options{Dir: dir, Out: out})
	if err == nil || !strings.Contains(err.Error(), "does not export") || !strings.Contains(err.Error(), "proxy_on_vm_start") {
		t.Fatalf("Build = %v, want the missing exports named", err)
	}
	if _, statErr := os.Stat(out); !errors.Is(statErr, os.ErrNotExist) {
		t.Fatalf("a module that cannot run was written to %s", out)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".plugin-*")); len(left) > 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}

func TestBuildFailureKeepsTheOldModule(t *testing.T) {
	requireGo(t)
	dir := module(t, "1.21", "package main\n\nfunc main() { undefinedThing() }\n")
	out := filepath.Join(t.TempDir(), "plugin.wasm")
	if err := os.WriteFile(out, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Build(context.Background(), Options{Dir: dir, Out: out})
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("Build = %v, want a *Failure", err)
	}
	if !strings.Contains(f.Output, "undefinedThing") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Failure: message %q, output %q: want one line and the compiler's words", err, f.Output)
	}
	if data, _ := os.ReadFile(out); !bytes.Equal(data, []byte("previous")) {
		t.Fatalf("the old module was replaced by %q", data)
	}
}

// fakeGo puts a go command on PATH that reports version v and fails any build.
func fakeGo(t *testing.T, v string) {
	t.Helper()
	bin := t.TempDir()
	script := "#!/bin/sh\nif [ \"$1\" = env ]; then echo " + v + "; exit 0; fi\necho 'fake go: no builds' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
}

func TestBuildChecksTheToolchain(t *testing.T) {
	src := repoPlugin(t)
	out := filepath.Join(t.TempDir(), "plugin.wasm")

	t.Run("no go on PATH", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := Build(context.Background(), Options{Dir: src, Out: out})
		if !errors.Is(err, ErrNoGo) {
			t.Fatalf("Build = %v, want ErrNoGo", err)
		}
	})
	t.Run("go older than the go line", func(t *testing.T) {
		fakeGo(t, "go1.20.1")
		_, err := Build(context.Background(), Options{Dir: src, Out: out})
		var old *TooOldError
		if !errors.As(err, &old) || old.Have != "go1.20.1" || !strings.HasPrefix(old.Need, "go1.") {
			t.Fatalf("Build = %v, want a TooOldError for go1.20.1", err)
		}
		if !strings.Contains(err.Error(), "go1.20.1 is older than "+old.Need) {
			t.Fatalf("message %q", err)
		}
	})
}

func TestFindSource(t *testing.T) {
	src := repoPlugin(t)
	if filepath.Base(src) != "ai-proxy" {
		t.Fatalf("FindSource(.) = %s", src)
	}
	// From deep inside the clone (the plugin's own folder included) it finds the same one.
	for _, start := range []string{filepath.Join(src, "config"), filepath.Dir(src)} {
		got, err := FindSource(start)
		if err != nil || got != src {
			t.Errorf("FindSource(%s) = %s, %v; want %s", start, got, err, src)
		}
	}
	// A folder of that name holding another module is not the plugin.
	other := t.TempDir()
	fake := filepath.Join(other, filepath.FromSlash(SourceDir))
	if err := os.MkdirAll(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fake, "go.mod"), []byte("module example.com/other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := FindSource(other); !errors.Is(err, ErrNoSource) {
		t.Fatalf("FindSource(%s) = %v, want ErrNoSource", other, err)
	}
}
