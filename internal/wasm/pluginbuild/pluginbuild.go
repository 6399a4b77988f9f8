// Package pluginbuild compiles the bundled ai-proxy Wasm plugin (its own Go module under
// internal/wasm/ai-proxy) with the Go toolchain on PATH, the way Higress loads Go plugins:
// GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared. The build is reproducible (same sources and
// toolchain, same bytes) and its proxy-wasm exports are checked before the module is kept.
package pluginbuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/higress-ai/higress-ai/internal/wasm/abi"
)

// SourceDir is where the plugin's module sits in a clone of higress-ai.
const SourceDir = "internal/wasm/ai-proxy"

// ModulePath is the plugin module's path, which FindSource checks to be sure it found the plugin.
const ModulePath = "github.com/higress-ai/higress-ai/internal/wasm/ai-proxy"

// Flags are the go build flags of every build. -trimpath drops the folder the sources sit in
// and -buildvcs=false the commit and dirty bit, so a clone anywhere builds the same bytes.
var Flags = []string{"-buildmode=c-shared", "-trimpath", "-buildvcs=false"}

// ErrNoGo means there is no go command on PATH.
var ErrNoGo = errors.New("go is not installed (no go command on PATH)")

// ErrNoSource means no clone of higress-ai holding the plugin's source was found.
var ErrNoSource = errors.New("the plugin's source (" + SourceDir + ") was not found here or in any parent folder")

// TooOldError means the go on PATH is older than the plugin module's go line.
type TooOldError struct {
	Have, Need string // "go1.24.2", "go1.25.0"
}

func (e *TooOldError) Error() string {
	return fmt.Sprintf("%s is older than %s, which the plugin's go.mod requires: install Go %s or newer",
		e.Have, e.Need, strings.TrimPrefix(e.Need, "go"))
}

// Failure is a go build that failed; Output holds what the compiler said.
type Failure struct {
	Output string
	Err    error
}

func (e *Failure) Error() string {
	first, _, _ := strings.Cut(strings.TrimSpace(e.Output), "\n")
	if first == "" {
		return "go build failed: " + e.Err.Error()
	}
	return "go build failed: " + first
}

func (e *Failure) Unwrap() error { return e.Err }

// Options say what to build and where.
type Options struct {
	// Dir is the plugin module's folder.
	Dir string
	// Out is the file to write; it is replaced only once the new module passed its checks.
	Out string
	// Toolchain is the GOTOOLCHAIN to build with: empty means the go on PATH, which must be at
	// least the module's go line; a version such as "go1.26.8" makes the build reproduce one
	// made with that release (the go command fetches it when it is not the one on PATH).
	Toolchain string
}

// Result describes the module written.
type Result struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Build compiles the plugin, checks its exports and writes it to o.Out.
func Build(ctx context.Context, o Options) (Result, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return Result{}, ErrNoGo
	}
	need, err := goLine(o.Dir)
	if err != nil {
		return Result{}, err
	}
	toolchain := o.Toolchain
	if toolchain == "" {
		toolchain = "local"
		have, err := GoVersion(ctx)
		if err != nil {
			return Result{}, err
		}
		if version.IsValid(have) && version.Compare(have, need) < 0 {
			return Result{}, &TooOldError{Have: have, Need: need}
		}
	}

	tmp, err := os.MkdirTemp("", "higress-ai-build-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(tmp)
	built := filepath.Join(tmp, "plugin.wasm")

	args := append([]string{"build"}, Flags...)
	args = append(args, "-o", built, ".")
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = o.Dir
	cmd.Env = append(os.Environ(), buildEnv(toolchain)...)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		return Result{}, &Failure{Output: output.String(), Err: err}
	}
	module, err := os.ReadFile(built)
	if err != nil {
		return Result{}, err
	}
	return Write(o.Out, module)
}

// buildEnv overrides what would make the bytes depend on the builder's environment: the target,
// cgo, and GOFLAGS/GOWASM/GOEXPERIMENT settings that change the code generated.
func buildEnv(toolchain string) []string {
	return []string{
		"GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0",
		"GOFLAGS=", "GOWASM=", "GOEXPERIMENT=",
		"GOTOOLCHAIN=" + toolchain,
	}
}

// Describe is the path, size and sha256 of a module.
func Describe(path string, module []byte) Result {
	sum := sha256.Sum256(module)
	return Result{Path: path, Size: int64(len(module)), SHA256: hex.EncodeToString(sum[:])}
}

// GoVersion is the version of the go command on PATH ("go1.26.8"), never switching toolchains.
func GoVersion(ctx context.Context) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", ErrNoGo
	}
	cmd := exec.CommandContext(ctx, goBin, "env", "GOVERSION")
	// Outside any module, so no go.mod can make it switch or refuse.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s env GOVERSION failed: %w", goBin, err)
	}
	v := strings.TrimSpace(string(out))
	if v == "" {
		return "", fmt.Errorf("%s env GOVERSION printed nothing", goBin)
	}
	return v, nil
}

// goLine is the go version the module's go.mod requires, as "go1.25.0".
func goLine(dir string) (string, error) {
	path := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the plugin's go.mod: %w", err)
	}
	f, err := modfile.ParseLax(path, data, nil)
	if err != nil {
		return "", fmt.Errorf("reading the plugin's go.mod: %w", err)
	}
	if f.Go == nil {
		return "go1.16", nil // what the go command assumes of a go.mod without a go line
	}
	return "go" + f.Go.Version, nil
}

// FindSource looks for the plugin's module in start and each parent folder (a clone of
// higress-ai, from wherever inside it the command runs).
func FindSource(start string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(dir, filepath.FromSlash(SourceDir))
		if isPluginModule(candidate) {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoSource
		}
		dir = parent
	}
}

func isPluginModule(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	return modfile.ModulePath(data) == ModulePath
}

// Write stores a module at path (replacing it only once it is complete) after checking it
// exports what a proxy-wasm host calls, and describes what it wrote.
func Write(path string, module []byte) (Result, error) {
	if err := abi.Check(module); err != nil {
		return Result{}, err
	}
	out, err := filepath.Abs(path)
	if err != nil {
		return Result{}, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".plugin-*.wasm")
	if err != nil {
		return Result{}, fmt.Errorf("cannot write the module: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(module)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o644)); err != nil {
		return Result{}, fmt.Errorf("cannot write the module: %w", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return Result{}, fmt.Errorf("cannot write the module: %w", err)
	}
	return Describe(out, module), nil
}
