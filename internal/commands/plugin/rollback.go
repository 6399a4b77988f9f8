package plugin

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// RollbackOptions are plugin rollback's inputs.
type RollbackOptions struct {
	F      *cmdutil.Factory
	Output *cmdutil.Output
	DryRun wasmplugin.DryRun
}

// NewCmdRollback builds plugin rollback.
func NewCmdRollback(f *cmdutil.Factory, runF func(*RollbackOptions) error) *cobra.Command {
	o := &RollbackOptions{F: f}
	cmd := &cobra.Command{
		Use:   "rollback",
		Short: "Point the bundled ai-proxy back at the image installed before",
		Long: `Point the bundled ai-proxy's WasmPlugin back at the image (url and digest) installed before the
current one, which plugin install recorded. The current one is recorded in its place, so a
second rollback goes forward again. The config is not changed.`,
		Example: "$ higress-ai plugin rollback\n$ higress-ai plugin rollback --dry-run",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return rollbackRun(o)
		},
	}
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func rollbackRun(o *RollbackOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	res, to, err := aiplugin.Rollback(f.Context, store, f.Namespace(), o.DryRun)
	if err != nil {
		return err
	}
	if err := o.Output.Mutation(f.IO, res, "plugin", []string{res.Plugin.Name()}, map[string]any{"plugin": res.Plugin.Ref(), "url": res.Plugin.URL()}, nil); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "rolled back to %s\n", to.URL)
	return nil
}
