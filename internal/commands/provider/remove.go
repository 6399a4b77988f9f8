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
	Output *cmdutil.Output
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
			if runF != nil {
				return runF(o)
			}
			return removeRun(o)
		},
	}
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "also unbind the routes that use the provider, without asking")
	cmd.Flags().BoolVar(&o.Yes, "force", false, "same as --yes")
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
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
		if cerr := cmdutil.Confirm(f.IO, false, false, fmt.Sprintf("Provider %q serves route %s. Remove it and unbind them?", o.ID, cmdutil.Quote(bound.Routes)), err.Error()+": removing it unbinds them"); cerr != nil {
			return cerr
		}
		res, unbound, err = aiplugin.RemoveProvider(f.Context, store, f.Namespace(), o.DryRun, o.ID, true)
	}
	if err != nil {
		return err
	}
	for _, r := range unbound {
		fmt.Fprintf(f.IO.ErrOut, "unbound route %s from provider %q\n", r, o.ID)
	}
	if err := o.Output.Mutation(f.IO, res, "provider", []string{o.ID}, map[string]any{"provider": o.ID, "unbound": unbound, "plugin": res.Plugin.Ref()}, nil); err != nil {
		return err
	}
	return nil
}
