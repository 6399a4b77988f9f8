package route

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// AuthOptions are route auth's inputs.
type AuthOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output

	On     bool
	Yes    bool
	Plugin string
	DryRun wasmplugin.DryRun
}

// NewCmdAuth builds route auth on|off.
func NewCmdAuth(f *cmdutil.Factory, runF func(context.Context, *AuthOptions) error) *cobra.Command {
	o := &AuthOptions{IO: f.IO, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "auth on|off",
		Short: "Require a consumer's key on every route, or only where a rule asks",
		Long: `Write key-auth's global_auth. "on": every route and domain without a key-auth rule of its own
needs the key of some consumer (any consumer's), while routes with a rule keep their allow list.
"off": only routes and domains with a rule ask for a key; the others are open to anyone.

Turning it on denies every request without a key on the routes that had none: the command asks on
a terminal and needs --yes otherwise.`,
		Example:           "$ higress-ai route auth on --yes\n$ higress-ai route auth off --dry-run",
		Args:              cmdutil.ExactArgs("on|off"),
		ValidArgsFunction: cobra.FixedCompletions([]string{"on", "off"}, cobra.ShellCompDirectiveNoFileComp),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch args[0] {
			case "on":
				o.On = true
			case "off":
				o.On = false
			default:
				return cmdutil.FlagErrorf("invalid argument %q: use on or off", args[0])
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return authRun(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "do not ask before requiring a key everywhere")
	pluginFlag(f, cmd, &o.Plugin)
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func authRun(ctx context.Context, o *AuthOptions) error {
	env, err := o.Env()
	if err != nil {
		return err
	}
	req := action.SetGlobalAuth{Plugin: o.Plugin, On: o.On, DryRun: o.DryRun}
	if o.On {
		plan := req
		plan.DryRun = wasmplugin.DryRunClient
		if _, was, err := plan.Run(ctx, env); err != nil {
			return err
		} else if !was.Was {
			err := cmdutil.Confirm(o.IO, o.Yes, o.DryRun.Active(),
				"Every route without a key-auth rule will need a consumer's key; callers without one are denied. Continue?",
				"requiring a key on every route denies the callers that have none")
			if err != nil {
				return err
			}
		}
	}
	res, out, err := req.Run(ctx, env)
	if err != nil {
		return err
	}
	state := map[bool]string{true: "on", false: "off"}
	if out.Was == out.GlobalAuth && !res.Created {
		fmt.Fprintf(o.IO.ErrOut, "global auth was already %s in wasmplugin %q\n", state[o.On], out.Plugin)
	}
	if err := o.Output.Mutation(o.IO, res, "globalauth", []string{state[o.On]}, out, nil); err != nil {
		return err
	}
	return cmdutil.RefreshKeyAuth(ctx, o.IO, env, o.DryRun)
}
