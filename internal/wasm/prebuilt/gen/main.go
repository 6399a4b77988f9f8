// Command gen writes the prebuilt plugin module (plugin.tar.gz and plugin.json) into
// internal/wasm/prebuilt from the plugin's current source, with the go on PATH. Run it through
// scripts/gen-prebuilt.sh; with -check it writes nothing and fails when the committed copy is not
// a build of the current source. It reads the committed files from disk, not through go:embed, and
// is built with -tags noprebuilt, so it compiles when they are missing.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/higress-ai/higress-ai/internal/wasm/layer"
	"github.com/higress-ai/higress-ai/internal/wasm/pluginbuild"
	"github.com/higress-ai/higress-ai/internal/wasm/prebuilt"
)

func main() {
	check := flag.Bool("check", false, "only check that the committed copy is fresh")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *check); err != nil {
		fmt.Fprintln(os.Stderr, "gen-prebuilt: error: "+err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, check bool) error {
	src, err := pluginbuild.FindSource(".")
	if err != nil {
		return err
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(src))) // internal/wasm/ai-proxy -> the clone
	dir := filepath.Join(root, "internal", "wasm", "prebuilt")
	tmp, err := os.MkdirTemp("", "gen-prebuilt-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	opts := pluginbuild.Options{Dir: src, Out: filepath.Join(tmp, "plugin.wasm")}
	var committed prebuilt.Info
	if check {
		// Reproduce the committed copy with the toolchain that made it.
		committed, err = readCommitted(dir)
		if err != nil {
			return err
		}
		opts.Toolchain = committed.Go
	}
	res, err := pluginbuild.Build(ctx, opts)
	if err != nil {
		return err
	}
	if check {
		info := committed
		if res.SHA256 != info.SHA256 {
			return fmt.Errorf("the committed prebuilt module (sha256 %s) is not a build of the current plugin source (sha256 %s): run %s and commit the result", info.SHA256, res.SHA256, prebuilt.Regenerate)
		}
		fmt.Fprintf(os.Stderr, "gen-prebuilt: the prebuilt module is fresh (sha256 %s, %s)\n", info.SHA256, info.Go)
		return nil
	}

	module, err := os.ReadFile(res.Path)
	if err != nil {
		return err
	}
	gz, err := layer.Pack(module)
	if err != nil {
		return err
	}
	goVersion, err := pluginbuild.GoVersion(ctx)
	if err != nil {
		return err
	}
	info, err := json.MarshalIndent(prebuilt.Info{Go: goVersion, Size: res.Size, SHA256: res.SHA256}, "", "  ")
	if err != nil {
		return err
	}
	info = append(info, '\n')
	if err := writeIfChanged(filepath.Join(dir, "plugin.tar.gz"), gz); err != nil {
		return err
	}
	if err := writeIfChanged(filepath.Join(dir, "plugin.json"), info); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen-prebuilt: wrote %s (%d bytes, %d gzipped, sha256 %s, %s)\n",
		filepath.Join(dir, "plugin.tar.gz"), res.Size, len(gz), res.SHA256, goVersion)
	return nil
}

func readCommitted(dir string) (prebuilt.Info, error) {
	gz, err := os.ReadFile(filepath.Join(dir, "plugin.tar.gz"))
	if err != nil {
		return prebuilt.Info{}, fmt.Errorf("no prebuilt module: %w (run %s)", err, prebuilt.Regenerate)
	}
	info, err := os.ReadFile(filepath.Join(dir, "plugin.json"))
	if err != nil {
		return prebuilt.Info{}, fmt.Errorf("no prebuilt module: %w (run %s)", err, prebuilt.Regenerate)
	}
	_, i, err := prebuilt.Decode(gz, info)
	return i, err
}

// writeIfChanged leaves a file alone when it already holds data, so regenerating an unchanged
// module touches nothing.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(path, data, 0o644)
}
