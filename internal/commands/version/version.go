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
	Output *cmdutil.Output
}

// NewCmdVersion builds the command; runF replaces the run function in tests.
func NewCmdVersion(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print the version of higress-ai",
		Args:    cmdutil.NoArgs,
		Example: "$ higress-ai version\n$ higress-ai version -o json",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(o)
			}
			return run(o)
		},
	}
	o.Output = cmdutil.AddOutputFlag(cmd, cmdutil.FormatJSON, cmdutil.FormatYAML)
	return cmd
}

func run(o *Options) error {
	info := build.Current()
	info.Go = runtime.Version()
	if !o.Output.Human() {
		return o.Output.Data(o.IO, info)
	}
	_, err := fmt.Fprintf(o.IO.Out, "higress-ai %s (commit %s, built %s, %s)\n", info.Version, info.Commit, info.Date, info.Go)
	return err
}
