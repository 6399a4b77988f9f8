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

// DeleteRuleOptions are route delete-rule's inputs.
type DeleteRuleOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output

	Scope  wasmplugin.Scope
	Yes    bool
	DryRun wasmplugin.DryRun
}

// NewCmdDeleteRule builds route delete-rule.
func NewCmdDeleteRule(f *cmdutil.Factory, runF func(context.Context, *DeleteRuleOptions) error) *cobra.Command {
	o := &DeleteRuleOptions{IO: f.IO, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "delete-rule (ROUTE | --domain DOMAIN)",
		Short: "Delete the key-auth and request-block rules of exactly one route or domain",
		Long: `Delete the match rules whose only target is ROUTE (or DOMAIN) from the key-auth and the
request-block WasmPlugins, for instance a rule made with --any-route for a mistyped route. Rules
that name other routes or domains too are left as they are.

The route then falls back to the next rule that covers it, or to the global config: who may call it
and which words are blocked there can change, so the command asks on a terminal and needs --yes
otherwise.`,
		Example:           "$ higress-ai route delete-rule gtp-4o --yes\n$ higress-ai route delete-rule --domain old.example.com --dry-run",
		Args:              cmdutil.MaximumArgs("ROUTE"),
		ValidArgsFunction: f.CompleteArgs(1, cmdutil.RouteNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := scopeArg(cmd, args, &o.Scope); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return deleteRuleRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Scope.Domain, "domain", "", "delete the rules of this domain instead of a route's")
	f.CompleteFlag(cmd, "domain", cmdutil.DomainNames)
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "do not ask before deleting")
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func deleteRuleRun(ctx context.Context, o *DeleteRuleOptions) error {
	env, err := o.Env()
	if err != nil {
		return err
	}
	req := action.DeleteRules{Scope: o.Scope, DryRun: o.DryRun}
	if !o.Yes && !o.DryRun.Active() {
		plan := req
		plan.DryRun = wasmplugin.DryRunClient
		if _, err := plan.Run(ctx, env); err != nil {
			return err
		}
		q := fmt.Sprintf("Delete the rules of %s? It falls back to the next rule covering it, or the global config.", o.Scope)
		if err := cmdutil.Confirm(o.IO, false, false, q, fmt.Sprintf("deleting the rules of %s changes who may call it and what is blocked there", o.Scope)); err != nil {
			return err
		}
	}
	done, err := req.Run(ctx, env)
	if err != nil {
		return err
	}
	for _, d := range done {
		if err := o.Output.Mutation(o.IO, d.Result, kindOf(o.Scope), []string{targetName(o.Scope)}, d, nil); err != nil {
			return err
		}
	}
	return cmdutil.RefreshKeyAuth(ctx, o.IO, env, o.DryRun)
}
