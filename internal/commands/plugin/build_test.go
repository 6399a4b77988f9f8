package plugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/wasm/pluginbuild"
	"github.com/higress-ai/higress-ai/internal/wasm/prebuilt"
)

// notEmbedded is the Prebuilt of a binary built with -tags noprebuilt.
func notEmbedded() ([]byte, prebuilt.Info, error) {
	return nil, prebuilt.Info{}, prebuilt.ErrNotEmbedded
}

// repoDir is a folder inside this clone, from which the plugin's source is found.
func repoDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

func embeddedModule(t *testing.T) []byte {
	t.Helper()
	module, _, err := prebuilt.Module()
	if err != nil {
		t.Fatal(err)
	}
	return module
}

func TestBuildParsesFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    BuildOptions
		wantErr string
	}{
		{name: "defaults", args: nil, want: BuildOptions{Out: "plugin.wasm", Output: "table"}},
		{name: "embedded json", args: []string{"--embedded", "--out", "x.wasm", "-o", "json"}, want: BuildOptions{Out: "x.wasm", Embedded: true, Output: "json"}},
		{name: "source", args: []string{"--source", "/src/ai-proxy"}, want: BuildOptions{Out: "plugin.wasm", Output: "table", Module: ModuleSource{Source: "/src/ai-proxy"}}},
		{name: "embedded and source", args: []string{"--embedded", "--source", "x"}, wantErr: "--embedded and --source cannot be used together"},
		{name: "empty out", args: []string{"--out", ""}, wantErr: "--out must name a file"},
		{name: "bad output", args: []string{"-o", "wide"}, wantErr: `invalid --output "wide"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			var got *BuildOptions
			err := tf.Run(NewCmdBuild(tf.Factory, func(o *BuildOptions) error { got = o; return nil }), tc.args...)
			if tc.wantErr != "" {
				var fe *cmdutil.FlagError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want a flag error %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Out != tc.want.Out || got.Embedded != tc.want.Embedded || got.Output != tc.want.Output || got.Module.Source != tc.want.Module.Source {
				t.Fatalf("options %+v, want %+v", got, tc.want)
			}
		})
	}
}

// runBuild runs plugin build from dir with the given embedded copy.
func runBuild(t *testing.T, tf *cmdutil.TestFactory, dir string, embedded PrebuiltFunc, args ...string) error {
	t.Helper()
	return tf.Run(NewCmdBuild(tf.Factory, func(o *BuildOptions) error {
		o.Module.WorkDir, o.Module.Prebuilt = dir, embedded
		o.Module.Archive = func() ([]byte, prebuilt.Info, error) {
			if _, _, err := embedded(); err != nil {
				return nil, prebuilt.Info{}, err
			}
			return prebuilt.Archive()
		}
		return buildRun(o)
	}), args...)
}

func TestBuildEmbeddedWritesTheCarriedModule(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "off a terminal", true: "on a terminal"}[tty], func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			tf.IO.SetTTY(tty)
			out := filepath.Join(t.TempDir(), "plugin.wasm")
			// From a folder with no source and no toolchain needed.
			if err := runBuild(t, tf, t.TempDir(), prebuilt.Module, "--embedded", "--out", out, "-o", "json"); err != nil {
				t.Fatal(err)
			}
			var res pluginbuild.Result
			if err := json.Unmarshal(tf.Stdout.Bytes(), &res); err != nil {
				t.Fatalf("stdout %q: %v", tf.Stdout, err)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, embeddedModule(t)) || res != pluginbuild.Describe(out, data) {
				t.Fatalf("wrote %d bytes, printed %+v", len(data), res)
			}
			if !strings.Contains(tf.Stderr.String(), "wrote the module this binary carries (built with go1.") {
				t.Fatalf("stderr %q", tf.Stderr)
			}
		})
	}
}

func TestBuildFromSourcePrintsPathSizeAndSum(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	out := filepath.Join(t.TempDir(), "ai-proxy.wasm")
	if err := runBuild(t, tf, repoDir(t), prebuilt.Module, "--out", out); err != nil {
		t.Fatalf("%v\n%s", err, tf.Stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := pluginbuild.Describe(out, data)
	lines := strings.Split(strings.TrimSpace(tf.Stdout.String()), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "PATH SIZE SHA256" ||
		strings.Join(strings.Fields(lines[1]), " ") != strings.Join([]string{out, strconv.FormatInt(want.Size, 10), want.SHA256}, " ") {
		t.Fatalf("stdout %q, want the path, size and sha256 of %s", tf.Stdout, out)
	}
}

func TestBuildWithoutAnEmbeddedCopyBuildsFromSource(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	out := filepath.Join(t.TempDir(), "plugin.wasm")
	if err := runBuild(t, tf, repoDir(t), notEmbedded, "--embedded", "--out", out); err != nil {
		t.Fatalf("%v\n%s", err, tf.Stderr)
	}
	if !strings.Contains(tf.Stderr.String(), "warning: this higress-ai binary carries no prebuilt plugin module") ||
		!strings.Contains(tf.Stderr.String(), "building it from source") {
		t.Fatalf("stderr %q: want the missing copy said", tf.Stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}

func TestBuildFailuresSayWhatToDo(t *testing.T) {
	tests := []struct {
		name     string
		dir      func(t *testing.T) string
		path     bool // an empty PATH: no go
		embedded PrebuiltFunc
		args     []string
		wantErr  string
	}{
		{name: "outside a clone", dir: func(t *testing.T) string { return t.TempDir() }, embedded: prebuilt.Module,
			wantErr: "the plugin's source (internal/wasm/ai-proxy) was not found here or in any parent folder: run it inside a clone of higress-ai or point --source at the plugin's folder, or use --embedded for the module this binary carries"},
		{name: "no go on PATH", dir: repoDir, path: true, embedded: prebuilt.Module,
			wantErr: "go is not installed (no go command on PATH): install Go, or use --embedded for the module this binary carries"},
		{name: "no go and no embedded copy", dir: repoDir, path: true, embedded: notEmbedded,
			wantErr: "go is not installed (no go command on PATH): install Go"},
		{name: "embedded missing and no source", dir: func(t *testing.T) string { return t.TempDir() }, embedded: notEmbedded, args: []string{"--embedded"},
			wantErr: "the plugin's source (internal/wasm/ai-proxy) was not found here or in any parent folder: run it inside a clone of higress-ai or point --source at the plugin's folder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			dir := tc.dir(t)
			if tc.path {
				t.Setenv("PATH", t.TempDir())
			}
			out := filepath.Join(t.TempDir(), "plugin.wasm")
			err := runBuild(t, tf, dir, tc.embedded, append([]string{"--out", out}, tc.args...)...)
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("err = %v, want one line %q", err, tc.wantErr)
			}
			if _, statErr := os.Stat(out); statErr == nil || tf.Stdout.Len() > 0 {
				t.Fatalf("something was written: stdout %q", tf.Stdout)
			}
		})
	}
}
