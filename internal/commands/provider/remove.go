package provider

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// RemoveOptions are provider remove's inputs.
type RemoveOptions struct {
	F      *cmdutil.Factory
	ID     string
	Yes    bool
	DryRun wasmplugin.DryRun
}

// NewCmdRemove builds provider remove.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	o := &RemoveOptions{F: f}
	cmd := &cobra.Command{
		Use:     "remove ID",
		Aliases: []string{"rm", "delete"},
		Short:   "Remove a provider and its keys",
		Long: `Remove a provider and its keys. While routes are bound to it, removing it also unbinds them
(their requests then reach the route's upstream without the plugin): the command asks on a
terminal and needs --yes (or --force) otherwise.`,
		Example:           "$ higress-ai provider remove deepseek\n$ higress-ai provider remove deepseek --yes",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeIDs(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ID = args[0]
			var err error
			if o.DryRun, err = f.Flags.DryRunMode(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return removeRun(o)
		},
	}
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "also unbind the routes that use the provider, without asking")
	cmd.Flags().BoolVar(&o.Yes, "force", false, "same as --yes")
	return cmd
}

func removeRun(o *RemoveOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	res, unbound, err := aiplugin.RemoveProvider(f.Context, store, f.Namespace(), o.DryRun, o.ID, o.Yes)
	var bound *aiplugin.BoundError
	if errors.As(err, &bound) {
		if !f.IO.StdinTTY || !f.IO.StderrTTY {
			return fmt.Errorf("%w: pass --yes to remove it and unbind them", err)
		}
		ok, cerr := f.IO.Confirm(fmt.Sprintf("Provider %q serves route %s. Remove it and unbind them?", o.ID, cmdutil.Quote(bound.Routes)))
		if cerr != nil {
			return cerr
		}
		if !ok {
			return cmdutil.ErrCancel
		}
		res, unbound, err = aiplugin.RemoveProvider(f.Context, store, f.Namespace(), o.DryRun, o.ID, true)
	}
	if err != nil {
		return err
	}
	for _, r := range unbound {
		fmt.Fprintf(f.IO.ErrOut, "unbound route %s from provider %q\n", r, o.ID)
	}
	cmdutil.ReportEdit(f.IO, res)
	return nil
}
