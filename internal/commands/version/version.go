// Package version is the version command.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/build"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

// Options are the version command's inputs.
type Options struct {
	IO     *cmdutil.IOStreams
	Output string
}

// Info is what -o json|yaml prints.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
}

// NewCmdVersion builds the command; runF replaces the run function in tests.
func NewCmdVersion(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO}
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version of higress-ai",
		Args:    cobra.NoArgs,
		Example: "$ higress-ai version\n$ higress-ai version -o json",
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := f.Flags.OutputFormat("table", "json", "yaml")
			if err != nil {
				return err
			}
			o.Output = format
			if runF != nil {
				return runF(o)
			}
			return run(o)
		},
	}
}

func run(o *Options) error {
	info := Info{Version: build.Version, Commit: build.Commit, Date: build.Date, Go: runtime.Version()}
	if o.Output != "table" {
		return cmdutil.PrintStructured(o.IO, o.Output, info)
	}
	_, err := fmt.Fprintf(o.IO.Out, "higress-ai %s (commit %s, built %s, %s)\n", info.Version, info.Commit, info.Date, info.Go)
	return err
}
