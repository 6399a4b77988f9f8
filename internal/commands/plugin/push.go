package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/wasm/abi"
	"github.com/higress-ai/higress-ai/internal/wasm/ociplugin"
	"github.com/higress-ai/higress-ai/internal/wasm/prebuilt"
)

// PushOptions are plugin push's inputs.
type PushOptions struct {
	IO            *cmdutil.IOStreams
	Context       context.Context
	Ref           string
	File          string
	Spec          string
	Readme        string
	Username      string
	PasswordStdin bool
	PlainHTTP     bool
	Output        string
	Module        ModuleSource
}

// PushResult is what -o json|yaml prints.
type PushResult struct {
	URL     string            `json:"url"`
	Ref     string            `json:"ref"`
	Digest  string            `json:"digest"`
	Variant ociplugin.Variant `json:"variant"`
	Size    int64             `json:"size"`
	SHA256  string            `json:"sha256"`
}

// NewCmdPush builds plugin push; runF replaces the run function in tests.
func NewCmdPush(f *cmdutil.Factory, runF func(*PushOptions) error) *cobra.Command {
	o := &PushOptions{IO: f.IO, Module: ModuleSource{IO: f.IO, Prebuilt: prebuilt.Module, Archive: prebuilt.Archive}}
	cmd := &cobra.Command{
		Use:   "push REF",
		Short: "Push the plugin to an OCI registry in the layout Higress loads",
		Long: `Push the plugin to an OCI registry as Higress's own plugins are pushed: optional spec.yaml and
README.md layers, then a tar+gzip layer holding plugin.wasm. The module is --file, else the one
this binary carries, else a fresh build of the source.

After the push the manifest is pulled back and unpacked by the rules of the gateway's image
fetcher; the push fails unless the artifact would load and holds the same bytes. It prints
oci://REF@sha256:DIGEST, the manifest's digest, which plugin install pins.

Credentials come from the docker config (docker login, credential helpers included), or from
--username with the password on standard input (--password-stdin), never from a flag value.`,
		Example: `$ higress-ai plugin push registry.example.com/plugins/ai-proxy:1.0.0
$ higress-ai plugin push 127.0.0.1:5000/ai-proxy:dev --plain-http --file plugin.wasm
$ echo "$TOKEN" | higress-ai plugin push ghcr.io/acme/ai-proxy:1.0.0 --username acme --password-stdin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := f.Flags.OutputFormat("table", "json", "yaml")
			if err != nil {
				return err
			}
			o.Output, o.Context, o.Ref = format, cmd.Context(), args[0]
			if o.PasswordStdin != (o.Username != "") {
				return cmdutil.FlagErrorf("--username and --password-stdin go together")
			}
			if _, err := ociplugin.ParseRef(o.Ref); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if o.Module.WorkDir == "" {
				if o.Module.WorkDir, err = os.Getwd(); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(o)
			}
			return pushRun(o)
		},
	}
	cmd.Flags().StringVar(&o.File, "file", "", "the module to push (default: the one this binary carries, else a fresh build)")
	cmd.Flags().StringVar(&o.Spec, "spec", "", "a spec.yaml to push before the module")
	cmd.Flags().StringVar(&o.Readme, "readme", "", "a README.md to push before the module")
	cmd.Flags().StringVar(&o.Username, "username", "", "registry user (the password comes from --password-stdin)")
	cmd.Flags().BoolVar(&o.PasswordStdin, "password-stdin", false, "read the registry password from standard input")
	cmd.Flags().BoolVar(&o.PlainHTTP, "plain-http", false, "talk plain HTTP to the registry (a local one)")
	cmd.Flags().StringVar(&o.Module.Source, "source", "", "the plugin's module folder, when it is built from source")
	return cmd
}

func pushRun(o *PushOptions) error {
	target := ociplugin.Target{Ref: o.Ref, PlainHTTP: o.PlainHTTP, Username: o.Username}
	if o.PasswordStdin {
		password, err := cmdutil.ReadSecretLine(o.IO, "--password-stdin", "password")
		if err != nil {
			return err
		}
		target.Password = password
	}
	var files ociplugin.Files
	var err error
	if files.Spec, err = readOptional(o.Spec); err != nil {
		return err
	}
	if files.Readme, err = readOptional(o.Readme); err != nil {
		return err
	}
	art, err := o.artifact(files)
	if err != nil {
		return err
	}

	var bar *progressBar
	var progress ociplugin.Progress
	if o.IO.StderrTTY {
		bar = &progressBar{w: o.IO.ErrOut, width: o.IO.Width}
		progress = bar.update
	}
	res, err := ociplugin.Push(o.Context, art, target, progress)
	bar.clear()
	if err != nil {
		return pushError(err)
	}
	fmt.Fprintf(o.IO.ErrOut, "pushed %s: %d blobs sent (%s), %d already there; pulled back, it loads as Higress's %s variant\n",
		res.Ref, res.Sent, humanBytes(res.Bytes), res.Reused, res.Variant)
	out := PushResult{URL: res.URL, Ref: res.Ref, Digest: res.Digest, Variant: res.Variant, Size: art.ModuleSize, SHA256: art.ModuleSHA256}
	if o.Output != "table" {
		return cmdutil.PrintStructured(o.IO, o.Output, out)
	}
	_, err = fmt.Fprintln(o.IO.Out, out.URL)
	return err
}

// artifact packs what to push: --file, else the module this binary carries (its layer as
// embedded, compressed once at generation), else a fresh build.
func (o *PushOptions) artifact(files ociplugin.Files) (ociplugin.Artifact, error) {
	if o.File != "" {
		module, err := os.ReadFile(o.File)
		if err != nil {
			return ociplugin.Artifact{}, fmt.Errorf("reading the module: %w", err)
		}
		if err := abi.Check(module); err != nil {
			return ociplugin.Artifact{}, fmt.Errorf("%s: %w", o.File, err)
		}
		return ociplugin.Pack(module, files)
	}
	if o.Module.Source == "" {
		archive, info, err := o.Module.Archive()
		if err == nil {
			return ociplugin.PackArchive(archive, info.SHA256, info.Size, files)
		}
		if !errors.Is(err, prebuilt.ErrNotEmbedded) {
			return ociplugin.Artifact{}, err
		}
		fmt.Fprintf(o.IO.ErrOut, "warning: %v: building it from source\n", err)
	}
	dir, err := os.MkdirTemp("", "higress-ai-push-")
	if err != nil {
		return ociplugin.Artifact{}, err
	}
	defer os.RemoveAll(dir)
	res, err := o.Module.Build(o.Context, filepath.Join(dir, "plugin.wasm"))
	if err != nil {
		return ociplugin.Artifact{}, err
	}
	module, err := os.ReadFile(res.Path)
	if err != nil {
		return ociplugin.Artifact{}, err
	}
	return ociplugin.Pack(module, files)
}

// pushError adds the flag to reach for to a registry failure.
func pushError(err error) error {
	var re *ociplugin.RegistryError
	if !errors.As(err, &re) {
		return err
	}
	switch re.Kind {
	case ociplugin.KindUnauthorized:
		if re.Username == "" && !re.HadCredentials {
			return fmt.Errorf("%w: docker login to it, or pass --username and --password-stdin", err)
		}
	case ociplugin.KindPlainHTTP:
		return fmt.Errorf("%w: pass --plain-http for a registry without TLS", err)
	}
	return err
}

func readOptional(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return data, nil
}
