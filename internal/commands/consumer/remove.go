package consumer

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// RemoveOptions are consumer remove's inputs.
type RemoveOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output

	Name   string
	Force  bool
	Yes    bool
	Plugin string
	DryRun wasmplugin.DryRun
}

// NewCmdRemove builds consumer remove.
func NewCmdRemove(f *cmdutil.Factory, runF func(context.Context, *RemoveOptions) error) *cobra.Command {
	o := &RemoveOptions{IO: f.IO, Env: f.Env}
	cmd := &cobra.Command{
		Use:     "remove NAME",
		Short:   "Remove a consumer and its keys",
		Aliases: []string{"rm", "delete"},
		Long: `Remove a consumer from the key-auth WasmPlugin. Its keys stop working at once, so the command
asks first on a terminal and needs --yes otherwise (exit code 2 when declined).

Refused while a route or domain rule still allows the consumer, as the Higress console
does; --force removes the name from those allow lists too and says which.`,
		Example:           "$ higress-ai consumer remove alice\n$ higress-ai consumer remove alice --force --yes\n$ higress-ai consumer remove alice --dry-run",
		Args:              cmdutil.ExactArgs("NAME"),
		ValidArgsFunction: f.CompleteArgs(1, cmdutil.ConsumerNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return removeRun(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.Force, "force", false, "also remove the consumer from the allow lists that name it")
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "do not ask: revoke the consumer's keys")
	pluginFlag(f, cmd, &o.Plugin)
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func removeRun(ctx context.Context, o *RemoveOptions) error {
	env, err := o.Env()
	if err != nil {
		return err
	}
	req := action.RemoveConsumer{Plugin: o.Plugin, Name: o.Name, Unbind: o.Force, DryRun: o.DryRun}
	if !o.Yes && !o.DryRun.Active() {
		// Ask only about a removal that would go through.
		plan, err := req.Plan(ctx, env)
		if err != nil {
			return err
		}
		if !o.Force && len(plan.Unbound) > 0 {
			_, _, err := req.Run(ctx, env)
			return err
		}
		q := fmt.Sprintf("Remove consumer %q? Its keys stop working at once", o.Name)
		if len(plan.Emptied) > 0 {
			q += fmt.Sprintf(", and %s will allow nobody", strings.Join(plan.Emptied, "; "))
		}
		if err := cmdutil.Confirm(o.IO, o.Yes, false, q+".", fmt.Sprintf("removing consumer %q revokes its keys", o.Name)); err != nil {
			return err
		}
	}
	res, out, err := req.Run(ctx, env)
	if err != nil {
		return err
	}
	dry := o.DryRun.Active()
	for _, u := range out.Unbound {
		fmt.Fprintf(o.IO.ErrOut, "%s %q from the allow list of %s\n", cmdutil.Would(dry, "removed", "would remove"), o.Name, u)
	}
	for _, e := range out.Emptied {
		fmt.Fprintf(o.IO.ErrOut, "warning: the allow list of %s %s empty: nobody may call it\n", e, cmdutil.Would(dry, "is now", "would be"))
	}
	if err := o.Output.Mutation(o.IO, res, "consumer", []string{o.Name}, out, nil); err != nil {
		return err
	}
	if err := cmdutil.RefreshKeyAuth(ctx, o.IO, env, o.DryRun); err != nil {
		return err
	}
	mres, removed, err := aiplugin.RemoveModels(ctx, env.Store, env.Namespace, o.DryRun, o.Name)
	if err != nil {
		return fmt.Errorf("consumer %q removed from key-auth, but its model list stays: %w", o.Name, err)
	}
	if removed {
		cmdutil.ReportEdit(o.IO, mres)
	}
	lres, where, err := action.ForgetConsumer{Consumer: o.Name, DryRun: o.DryRun}.Run(ctx, env)
	if err != nil {
		return fmt.Errorf("consumer %q removed from key-auth, but its token limits stay: %w", o.Name, err)
	}
	if len(where) > 0 {
		fmt.Fprintf(o.IO.ErrOut, "%s the token limits of %q in %s\n", cmdutil.Would(dry, "removed", "would remove"), o.Name, strings.Join(where, "; "))
		cmdutil.ReportEdit(o.IO, lres)
	}
	return nil
}
