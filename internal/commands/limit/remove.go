package limit

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/ratelimit"
)

// RemoveOptions are limit remove's inputs.
type RemoveOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output
	Remove action.RemoveLimit
}

// NewCmdRemove builds limit remove.
func NewCmdRemove(f *cmdutil.Factory, runF func(context.Context, *RemoveOptions) error) *cobra.Command {
	o := &RemoveOptions{IO: f.IO, Env: f.Env}
	var everyone bool
	cmd := &cobra.Command{
		Use:     "remove CONSUMER|--default",
		Short:   "Remove a consumer's token limit",
		Aliases: []string{"rm"},
		Long: `Remove a consumer's limit (or, with --default, the limit of everyone without one of their own),
in the global config or, with --route, in that route's rule. The consumer then falls under the next
matching limit (the default one, or none). A route rule left without limits is removed, so the route
gets the global limits again; a global config left without limits is disabled.`,
		Example: "$ higress-ai limit remove alice\n$ higress-ai limit remove --default --route gpt-4o",
		Args:    cmdutil.MaximumArgs("CONSUMER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case everyone && len(args) == 1:
				return cmdutil.FlagErrorf("give a consumer or --default, not both")
			case everyone:
				o.Remove.Consumer = ratelimit.Everyone
			case len(args) == 1:
				o.Remove.Consumer = args[0]
			default:
				return cmdutil.FlagErrorf("missing CONSUMER (or --default)")
			}
			if err := checkRoute(o.Remove.Route); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return removeRun(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&everyone, "default", false, "remove the default limit (everyone without one of their own)")
	cmd.Flags().StringVar(&o.Remove.Route, "route", "", "remove it from this route's rule (default: the global config)")
	pluginFlag(f, cmd, &o.Remove.Plugin)
	f.CompleteArgs(1, cmdutil.ConsumerNames)
	f.CompleteFlag(cmd, "route", cmdutil.RouteNames)
	cmdutil.AddDryRunFlag(cmd, &o.Remove.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func removeRun(ctx context.Context, o *RemoveOptions) error {
	env, err := o.Env()
	if err != nil {
		return err
	}
	res, out, err := o.Remove.Run(ctx, env)
	if err != nil {
		return err
	}
	printNotes(o.IO, out.Notes)
	return o.Output.Mutation(o.IO, res, "limit", []string{out.Consumer}, out, nil)
}
