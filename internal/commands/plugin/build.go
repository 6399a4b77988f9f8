package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/wasm/pluginbuild"
	"github.com/higress-ai/higress-ai/internal/wasm/prebuilt"
)

// PrebuiltFunc returns the module this binary carries (prebuilt.Module; tests replace it).
type PrebuiltFunc func() ([]byte, prebuilt.Info, error)

// BuildOptions are plugin build's inputs.
type BuildOptions struct {
	IO       *cmdutil.IOStreams
	Context  context.Context
	Out      string
	Embedded bool
	Output   string
	Module   ModuleSource
}

// ModuleSource finds the plugin module: the copy this binary carries, or a build of the source.
type ModuleSource struct {
	IO *cmdutil.IOStreams
	// Source is the plugin module's folder; empty means FindSource from WorkDir.
	Source  string
	WorkDir string
	// Prebuilt is the embedded copy, and Archive the same as its image layer (plugin.tar.gz).
	Prebuilt PrebuiltFunc
	Archive  func() (tarGz []byte, info prebuilt.Info, err error)
}

// NewCmdBuild builds plugin build; runF replaces the run function in tests.
func NewCmdBuild(f *cmdutil.Factory, runF func(*BuildOptions) error) *cobra.Command {
	o := &BuildOptions{IO: f.IO, Module: ModuleSource{IO: f.IO, Prebuilt: prebuilt.Module, Archive: prebuilt.Archive}}
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Compile the bundled ai-proxy plugin to a Wasm module",
		Long: `Compile the bundled ai-proxy plugin (internal/wasm/ai-proxy) with the Go toolchain on PATH,
as Higress loads Go plugins: GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared, -trimpath. The build
is reproducible (the same source and Go release give the same bytes) and the module must export
the proxy-wasm entry points. It prints the module's path, size and sha256.

--embedded writes the copy this binary carries instead, with no toolchain and no source.`,
		Example: `$ higress-ai plugin build
$ higress-ai plugin build --out /tmp/ai-proxy.wasm -o json
$ higress-ai plugin build --embedded --out plugin.wasm`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := f.Flags.OutputFormat("table", "json", "yaml")
			if err != nil {
				return err
			}
			if o.Out == "" {
				return cmdutil.FlagErrorf("--out must name a file")
			}
			if o.Embedded && cmd.Flags().Changed("source") {
				return cmdutil.FlagErrorf("--embedded and --source cannot be used together")
			}
			o.Output, o.Context = format, cmd.Context()
			if o.Module.WorkDir == "" {
				if o.Module.WorkDir, err = os.Getwd(); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(o)
			}
			return buildRun(o)
		},
	}
	cmd.Flags().StringVar(&o.Out, "out", "plugin.wasm", "file to write the module to")
	cmd.Flags().StringVar(&o.Module.Source, "source", "", "the plugin's module folder (default: internal/wasm/ai-proxy of the clone you are in)")
	cmd.Flags().BoolVar(&o.Embedded, "embedded", false, "write the module this binary carries; no toolchain or source needed")
	return cmd
}

func buildRun(o *BuildOptions) error {
	var res pluginbuild.Result
	var err error
	if o.Embedded {
		res, err = o.Module.WriteEmbedded(o.Context, o.Out)
	} else {
		res, err = o.Module.Build(o.Context, o.Out)
	}
	if err != nil {
		return err
	}
	if o.Output != "table" {
		return cmdutil.PrintStructured(o.IO, o.Output, res)
	}
	t := cmdutil.NewTable("PATH", "SIZE", "SHA256")
	t.Row(res.Path, strconv.FormatInt(res.Size, 10), res.SHA256)
	return t.Render(o.IO)
}

// WriteEmbedded writes the module this binary carries to out; a binary without one says so and
// builds from source instead.
func (s ModuleSource) WriteEmbedded(ctx context.Context, out string) (pluginbuild.Result, error) {
	module, info, err := s.Prebuilt()
	if errors.Is(err, prebuilt.ErrNotEmbedded) {
		fmt.Fprintf(s.IO.ErrOut, "warning: %v: building it from source\n", err)
		return s.Build(ctx, out)
	}
	if err != nil {
		return pluginbuild.Result{}, err
	}
	res, err := pluginbuild.Write(out, module)
	if err != nil {
		return pluginbuild.Result{}, err
	}
	fmt.Fprintf(s.IO.ErrOut, "wrote the module this binary carries (built with %s)\n", info.Go)
	return res, nil
}

// Build compiles the plugin's source to out, with hints for what the user can do instead.
func (s ModuleSource) Build(ctx context.Context, out string) (pluginbuild.Result, error) {
	orEmbedded := ""
	if _, _, err := s.Archive(); err == nil {
		orEmbedded = ", or use --embedded for the module this binary carries"
	}
	dir := s.Source
	if dir == "" {
		var err error
		if dir, err = pluginbuild.FindSource(s.WorkDir); err != nil {
			return pluginbuild.Result{}, fmt.Errorf("%w: run it inside a clone of higress-ai or point --source at the plugin's folder%s", err, orEmbedded)
		}
	}
	fmt.Fprintf(s.IO.ErrOut, "building %s (GOOS=wasip1 GOARCH=wasm -buildmode=c-shared)\n", dir)
	res, err := pluginbuild.Build(ctx, pluginbuild.Options{Dir: dir, Out: out})
	var failure *pluginbuild.Failure
	var tooOld *pluginbuild.TooOldError
	switch {
	case errors.As(err, &failure):
		fmt.Fprint(s.IO.ErrOut, failure.Output)
		return pluginbuild.Result{}, err
	case errors.Is(err, pluginbuild.ErrNoGo):
		return pluginbuild.Result{}, fmt.Errorf("%w: install Go%s", err, orEmbedded)
	case errors.As(err, &tooOld):
		return pluginbuild.Result{}, fmt.Errorf("%w%s", err, orEmbedded)
	case err != nil:
		return pluginbuild.Result{}, err
	}
	return res, nil
}
