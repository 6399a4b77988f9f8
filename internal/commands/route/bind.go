package route

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// BindOptions are the inputs of route bind and route unbind.
type BindOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output

	// Scope is the route (ROUTE) or the domain (--domain) whose rule is edited.
	Scope     wasmplugin.Scope
	Consumers []string
	Plugin    string
	// AnyRoute binds a route that is neither an Ingress nor named in a match rule (yet).
	AnyRoute bool
	// Yes confirms leaving a route with an empty allow list (unbind).
	Yes bool
	// Provider points the route at this provider of the bundled ai-proxy (bind).
	Provider string
	DryRun   wasmplugin.DryRun
}

func newBindCmd(f *cmdutil.Factory, use, short, long, example string, run func(context.Context, *BindOptions) error) (*cobra.Command, *BindOptions) {
	o := &BindOptions{IO: f.IO, Env: f.Env}
	var consumers []string
	cmd := &cobra.Command{
		Use:               use + " (ROUTE | --domain DOMAIN) --consumer NAME[,NAME...]",
		Short:             short,
		Long:              long,
		Example:           example,
		Args:              cmdutil.MaximumArgs("ROUTE"),
		ValidArgsFunction: f.CompleteArgs(1, cmdutil.RouteNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := scopeArg(cmd, args, &o.Scope); err != nil {
				return err
			}
			o.Consumers = cmdutil.SplitList(consumers)
			if len(o.Consumers) == 0 && o.Provider == "" {
				if cmd.Flags().Lookup("provider") != nil {
					return cmdutil.FlagErrorf("--consumer is required: name at least one consumer (or point the route at a provider with --provider ID)")
				}
				return cmdutil.FlagErrorf("--consumer is required: name at least one consumer")
			}
			if o.Provider != "" && o.Scope.Route == "" {
				return cmdutil.FlagErrorf("--provider binds a route: give ROUTE, not --domain")
			}
			for _, n := range o.Consumers {
				if err := keyauth.CheckName(n); err != nil {
					return cmdutil.FlagErrorf("--consumer: %v", err)
				}
			}
			return run(cmd.Context(), o)
		},
	}
	cmd.Flags().StringSliceVarP(&consumers, "consumer", "c", nil, "consumer names, comma-separated or repeated")
	f.CompleteListFlag(cmd, "consumer", cmdutil.ConsumerNames)
	cmd.Flags().StringVar(&o.Scope.Domain, "domain", "", "edit the rule of this domain instead of a route's")
	f.CompleteFlag(cmd, "domain", cmdutil.DomainNames)
	pluginFlag(f, cmd, &o.Plugin)
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd, o
}

// NewCmdBind builds route bind.
func NewCmdBind(f *cmdutil.Factory, runF func(context.Context, *BindOptions) error) *cobra.Command {
	run := func(ctx context.Context, o *BindOptions) error {
		if runF != nil {
			return runF(ctx, o)
		}
		if len(o.Consumers) > 0 {
			if err := bindRun(ctx, o); err != nil {
				return err
			}
		}
		if o.Provider == "" {
			return nil
		}
		return providerBindRun(ctx, o)
	}
	cmd, o := newBindCmd(f, "bind", "Allow consumers to call a route",
		`Add consumers to the allow list of the key-auth match rule whose ingress is exactly [ROUTE]
(or, with --domain, whose domain is exactly [DOMAIN]), creating that rule when there is none; no
other rule changes. Once a route has such a rule, only the consumers it allows may call it with
their key.

When a rule for several routes (or a domain) already names ROUTE, the new rule goes before it, so
Higress picks it, and it starts with that rule's allow list so nobody loses access. Unknown
consumers are refused; so is a route that is neither an Ingress of class higress nor named in a
match rule, unless --any-route.

With global_auth unset, key-auth needs a key on every route while no rule exists and only on ruled
routes once one does: the first bind then also writes global_auth: true, so the other routes keep
needing a key, and says so. Binding into a route whose own rule is disabled (configDisable: true)
edits it but warns that Higress ignores it.`,
		"$ higress-ai route bind gpt-4o --consumer alice,data-team\n$ higress-ai route bind team-a/deepseek -c bob\n$ higress-ai route bind --domain ai.example.com -c alice\n$ higress-ai route bind gpt-4o --provider openai",
		run)
	cmd.Use = "bind (ROUTE | --domain DOMAIN) (--consumer NAME[,NAME...] | --provider ID)"
	cmd.Long += `

--provider ID points the route at one provider of the bundled ai-proxy (plugin install, provider
add): the ai-proxy match rule for exactly ROUTE, with activeProviderId ID.`
	cmd.Flags().StringVar(&o.Provider, "provider", "", "point the route at this provider of the bundled ai-proxy")
	cmd.Flags().BoolVar(&o.AnyRoute, "any-route", false, "bind even when no Ingress or match rule names the route")
	return cmd
}

// NewCmdUnbind builds route unbind.
func NewCmdUnbind(f *cmdutil.Factory, runF func(context.Context, *BindOptions) error) *cobra.Command {
	run := func(ctx context.Context, o *BindOptions) error {
		if runF != nil {
			return runF(ctx, o)
		}
		return unbindRun(ctx, o)
	}
	cmd, o := newBindCmd(f, "unbind", "Stop allowing consumers to call a route",
		`Remove consumers from the allow list of the key-auth match rule for exactly ROUTE (or DOMAIN).

Removing the last consumer leaves allow: [], which denies everyone: the command asks first on a
terminal and needs --yes otherwise (exit code 2 when declined).`,
		"$ higress-ai route unbind gpt-4o --consumer bob\n$ higress-ai route unbind gpt-4o -c alice --yes",
		run)
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "confirm leaving the route with nobody allowed")
	return cmd
}

func bindRun(ctx context.Context, o *BindOptions) error {
	env, err := o.Env()
	if err != nil {
		return err
	}
	req := action.Bind{Plugin: o.Plugin, Scope: o.Scope, Consumers: o.Consumers, AnyRoute: o.AnyRoute, DryRun: o.DryRun}
	res, out, err := req.Run(ctx, env)
	if err != nil {
		return err
	}
	for _, n := range out.Notes {
		cmdutil.Note(o.IO, n)
	}
	if out.WroteGlobalAuth {
		cmdutil.Warn(o.IO, keyauth.ConsoleResetsGlobalAuth)
	}
	if out.Disabled {
		cmdutil.Warn(o.IO, fmt.Sprintf("the key-auth rule for %s is disabled (configDisable: true): Higress ignores it, so its allow list has no effect until it is enabled", out.Target))
	}
	if len(out.Present) > 0 {
		fmt.Fprintf(o.IO.ErrOut, "already bound to %s: %s\n", termsafe.Escape(out.Target), cmdutil.Quote(out.Present))
	}
	if !res.Changed && o.Output.Human() {
		fmt.Fprintln(o.IO.ErrOut, "nothing changed")
		return nil
	}
	if err := o.Output.Mutation(o.IO, res, kindOf(o.Scope), []string{targetName(o.Scope)}, out, nil); err != nil {
		return err
	}
	return cmdutil.RefreshKeyAuth(ctx, o.IO, env, o.DryRun)
}

func unbindRun(ctx context.Context, o *BindOptions) error {
	env, err := o.Env()
	if err != nil {
		return err
	}
	req := action.Unbind{Plugin: o.Plugin, Scope: o.Scope, Consumers: o.Consumers, MayEmpty: o.Yes || o.DryRun.Active(), DryRun: o.DryRun}
	if !req.MayEmpty {
		plan, err := req.Plan(ctx, env)
		if err != nil {
			return err
		}
		if len(plan.Allow) == 0 {
			q := fmt.Sprintf("%s will allow nobody (allow: []): every request to it will be denied. Continue?", capitalize(plan.Target))
			if err := cmdutil.Confirm(o.IO, false, false, q, fmt.Sprintf("unbinding the last consumer leaves %s with allow: [], which denies everyone", plan.Target)); err != nil {
				return err
			}
			req.MayEmpty = true
		}
	}
	res, out, err := req.Run(ctx, env)
	if errors.Is(err, action.ErrLeavesNobody) {
		return fmt.Errorf("%s changed meanwhile and would be left with nobody allowed: run again", o.Scope)
	} else if err != nil {
		return err
	}
	if err := cmdutil.RefreshKeyAuth(ctx, o.IO, env, o.DryRun); err != nil {
		return err
	}
	if len(out.Allow) == 0 {
		cmdutil.Warn(o.IO, fmt.Sprintf("%s %s nobody (allow: []): every request to it %s denied", out.Target,
			cmdutil.Would(o.DryRun.Active(), "now allows", "would allow"), cmdutil.Would(o.DryRun.Active(), "is", "would be")))
	}
	return o.Output.Mutation(o.IO, res, kindOf(o.Scope), []string{targetName(o.Scope)}, out, nil)
}

// kindOf is "route" or "domain", for -o name.
func kindOf(s wasmplugin.Scope) string {
	if s.Route != "" {
		return "route"
	}
	return "domain"
}

// targetName is the route's name, or the domain's, for -o name.
func targetName(s wasmplugin.Scope) string {
	if s.Route != "" {
		return s.Route
	}
	return s.Domain
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
