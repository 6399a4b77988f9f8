package route

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/block"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/commands/consumer"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// BindOptions are the inputs of route bind and route unbind.
type BindOptions struct {
	F         *cmdutil.Factory
	Route     string
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

func newBindCmd(f *cmdutil.Factory, use, short, long, example string, run func(*BindOptions) error) (*cobra.Command, *BindOptions) {
	o := &BindOptions{F: f}
	var consumers []string
	cmd := &cobra.Command{
		Use:     use + " ROUTE --consumer NAME[,NAME...]",
		Short:   short,
		Long:    long,
		Example: example,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Route = args[0]
			if err := checkRouteName(o.Route); err != nil {
				return err
			}
			o.Consumers = cmdutil.SplitList(consumers)
			if len(o.Consumers) == 0 && o.Provider == "" {
				if cmd.Flags().Lookup("provider") != nil {
					return cmdutil.FlagErrorf("--consumer is required: name at least one consumer (or point the route at a provider with --provider ID)")
				}
				return cmdutil.FlagErrorf("--consumer is required: name at least one consumer")
			}
			for _, n := range o.Consumers {
				if err := keyauth.CheckName(n); err != nil {
					return cmdutil.FlagErrorf("--consumer: %v", err)
				}
			}
			dry, err := f.Flags.DryRunMode()
			if err != nil {
				return err
			}
			o.DryRun = dry
			return run(o)
		},
	}
	cmd.Flags().StringSliceVarP(&consumers, "consumer", "c", nil, "consumer names, comma-separated or repeated")
	cmd.Flags().StringVar(&o.Plugin, "plugin", "", "name of the key-auth WasmPlugin (default: found automatically)")
	return cmd, o
}

// NewCmdBind builds route bind.
func NewCmdBind(f *cmdutil.Factory, runF func(*BindOptions) error) *cobra.Command {
	run := func(o *BindOptions) error {
		if runF != nil {
			return runF(o)
		}
		if len(o.Consumers) > 0 {
			if err := bindRun(o); err != nil {
				return err
			}
		}
		if o.Provider == "" {
			return nil
		}
		return providerBindRun(o)
	}
	cmd, o := newBindCmd(f, "bind", "Allow consumers to call a route",
		`Add consumers to the allow list of the key-auth match rule whose ingress is exactly [ROUTE],
creating that rule when there is none; no other rule changes. Once a route has such a rule, only the
consumers it allows may call it with their key.

When a rule for several routes (or a domain) already names ROUTE, the new rule goes before it, so
Higress picks it, and it starts with that rule's allow list so nobody loses access. Unknown
consumers are refused; so is a route that is neither an Ingress of class higress nor named in a
match rule, unless --any-route.

With global_auth unset, key-auth needs a key on every route while no rule exists and only on ruled
routes once one does: the first bind then also writes global_auth: true, so the other routes keep
needing a key, and says so. Binding into a route whose own rule is disabled (configDisable: true)
edits it but warns that Higress ignores it.`,
		"$ higress-ai route bind gpt-4o --consumer alice,data-team\n$ higress-ai route bind team-a/deepseek -c bob\n$ higress-ai route bind gpt-4o --provider openai",
		run)
	cmd.Use = "bind ROUTE (--consumer NAME[,NAME...] | --provider ID)"
	cmd.Long += `

--provider ID points the route at one provider of the bundled ai-proxy (plugin install, provider
add): the ai-proxy match rule for exactly ROUTE, with activeProviderId ID.`
	cmd.Flags().BoolVar(&o.AnyRoute, "any-route", false, "bind even when no Ingress or match rule names the route")
	cmd.Flags().StringVar(&o.Provider, "provider", "", "point the route at this provider of the bundled ai-proxy")
	return cmd
}

// NewCmdUnbind builds route unbind.
func NewCmdUnbind(f *cmdutil.Factory, runF func(*BindOptions) error) *cobra.Command {
	run := func(o *BindOptions) error {
		if runF != nil {
			return runF(o)
		}
		return unbindRun(o)
	}
	cmd, o := newBindCmd(f, "unbind", "Stop allowing consumers to call a route",
		`Remove consumers from the allow list of the key-auth match rule for exactly ROUTE.

Removing the last consumer leaves allow: [], which denies everyone: the command asks first on a
terminal and needs --yes otherwise.`,
		"$ higress-ai route unbind gpt-4o --consumer bob\n$ higress-ai route unbind gpt-4o -c alice --yes",
		run)
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "confirm leaving the route with nobody allowed")
	return cmd
}

func bindRun(o *BindOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	route, err := lookUp(f, store, o)
	if err != nil {
		return err
	}
	scope := wasmplugin.Scope{Route: o.Route, Hosts: route.Hosts, Services: route.Services}
	var added, present, notes []string
	var disabled, wroteGlobal bool
	res, err := wasmplugin.Edit(f.Context, store, consumer.Target(f, o.Plugin), false, o.DryRun, func(p wasmplugin.Plugin) error {
		added, present, notes, disabled, wroteGlobal = nil, nil, nil, false, false
		cfg, err := consumer.EditConfig(p)
		if err != nil {
			return err
		}
		var unknown []string
		for _, n := range o.Consumers {
			if _, ok := cfg.Consumer(n); !ok {
				unknown = append(unknown, n)
			}
		}
		if len(unknown) > 0 {
			return fmt.Errorf("unknown consumer %s in wasmplugin %q: add it first with higress-ai consumer add", cmdutil.Quote(unknown), p.Ref())
		}
		seed := []any{}
		if shared, ok, err := scope.Effective(p); err != nil {
			return err
		} else if ok && !shared.IsRoute(o.Route) {
			if names, has := keyauth.Allow(shared.Config()); has {
				seed = toAny(names)
				notes = append(notes, fmt.Sprintf("route %s was governed by the rule for %s: its new rule of its own starts with that allow list (%s)", o.Route, shared.Targets(), strings.Join(names, ",")))
			}
		}
		firstRule, err := opensOtherRoutes(p, cfg)
		if err != nil {
			return err
		}
		rule, created, err := scope.EnsureRule(p, map[string]any{"allow": seed})
		if err != nil {
			return err
		}
		if created && firstRule {
			// With global_auth unset, the first rule would switch key-auth off on every other route.
			p.DefaultConfig()["global_auth"] = true
			notes = append(notes, "global_auth was unset and no rule existed, so every route needed a key; wrote global_auth: true so the other routes still do (a first rule would have let them be called without a key)")
			wroteGlobal = true
		}
		disabled = rule.Disabled()
		names, _ := keyauth.Allow(rule.Config())
		for _, n := range o.Consumers {
			if slices.Contains(names, n) {
				present = append(present, n)
				continue
			}
			names = append(names, n)
			added = append(added, n)
		}
		keyauth.SetAllow(rule.EditConfig(), names)
		return nil
	})
	if err != nil {
		return explainMissing(err)
	}
	for _, n := range notes {
		fmt.Fprintln(f.IO.ErrOut, "note: "+termsafe.Escape(n))
	}
	if wroteGlobal {
		fmt.Fprintln(f.IO.ErrOut, "warning: "+keyauth.ConsoleResetsGlobalAuth)
	}
	if disabled {
		fmt.Fprintf(f.IO.ErrOut, "warning: the key-auth rule for route %s is disabled (configDisable: true): Higress ignores it, so its allow list has no effect until it is enabled\n", o.Route)
	}
	if len(present) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "already bound to route %s: %s\n", o.Route, cmdutil.Quote(present))
	}
	if !res.Changed {
		fmt.Fprintln(f.IO.ErrOut, "nothing changed")
		return nil
	}
	cmdutil.ReportEdit(f.IO, res)
	if err := cmdutil.RefreshKeyAuth(f, store, o.DryRun); err != nil {
		return err
	}
	return nil
}

// opensOtherRoutes reports a plugin where a first enabled rule would open every other route:
// global_auth unset means auth everywhere only while no enabled rule exists.
func opensOtherRoutes(p wasmplugin.Plugin, cfg *keyauth.Config) (bool, error) {
	if cfg.GlobalAuth() != nil || p.GlobalDisabled() {
		return false, nil
	}
	enabled, err := wasmplugin.Enabled(p)
	return len(enabled) == 0, err
}

// lookUp finds the route among the Ingresses and match rules, for its hosts, and refuses one that
// nothing names (most often a typo) unless --any-route.
func lookUp(f *cmdutil.Factory, store k8s.Store, o *BindOptions) (k8s.Route, error) {
	pol, err := loadPolicy(f, store, o.Plugin)
	if err != nil {
		return k8s.Route{}, err
	}
	return block.LookUpRoute(f, store, o.Route, o.AnyRoute, pol.keyAuth, pol.block)
}

func unbindRun(o *BindOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	// The route's hosts only help say which rule governs it: an unknown route is no error here.
	pol, err := loadPolicy(f, store, o.Plugin)
	if err != nil {
		return err
	}
	route, _ := block.LookUpRoute(f, store, o.Route, true, pol.keyAuth, pol.block)
	scope := wasmplugin.Scope{Route: o.Route, Hosts: route.Hosts, Services: route.Services}
	// remaining is the allow list after the change; it runs before the write (to ask) and inside it.
	remaining := func(p wasmplugin.Plugin) (wasmplugin.Rule, []string, error) {
		rule, ok, err := scope.Rule(p)
		if err != nil {
			return rule, nil, err
		}
		if !ok {
			msg := fmt.Sprintf("route %s has no key-auth rule of its own in wasmplugin %q", o.Route, p.Ref())
			if shared, ok, _ := scope.Effective(p); ok {
				msg += fmt.Sprintf("; it is governed by the rule for %s, which this command does not edit", shared.Targets())
			}
			return rule, nil, errors.New(msg)
		}
		names, _ := keyauth.Allow(rule.Config())
		var missing []string
		for _, n := range o.Consumers {
			if !slices.Contains(names, n) {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			return rule, nil, fmt.Errorf("%s not bound to route %s", cmdutil.Quote(missing), o.Route)
		}
		return rule, slices.DeleteFunc(names, func(n string) bool { return slices.Contains(o.Consumers, n) }), nil
	}

	confirmed := o.Yes || o.DryRun != wasmplugin.DryRunNone
	p, err := wasmplugin.Find(f.Context, store, consumer.Target(f, o.Plugin))
	if err != nil {
		return err
	}
	if p == nil {
		return fmt.Errorf("no %s wasmplugin in namespace %q: nothing is bound", keyauth.Plugin, f.Namespace())
	}
	if _, left, err := remaining(*p); err != nil {
		return err
	} else if len(left) == 0 && !confirmed {
		q := fmt.Sprintf("Route %s will allow nobody (allow: []): every request to it will be denied. Continue?", o.Route)
		if !f.IO.StdinTTY || !f.IO.StderrTTY {
			return fmt.Errorf("unbinding the last consumer leaves route %s with allow: [], which denies everyone: pass --yes to do it", o.Route)
		}
		ok, err := f.IO.Confirm(q)
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.ErrCancel
		}
		confirmed = true
	}
	var emptied bool
	res, err := wasmplugin.Edit(f.Context, store, consumer.Target(f, o.Plugin), false, o.DryRun, func(p wasmplugin.Plugin) error {
		if err := keyauth.CheckWritable(p.URL(), p.Ref()); err != nil {
			return err
		}
		rule, left, err := remaining(p)
		if err != nil {
			return err
		}
		if emptied = len(left) == 0; emptied && !confirmed {
			return fmt.Errorf("route %s changed meanwhile and would be left with nobody allowed: run again", o.Route)
		}
		keyauth.SetAllow(rule.EditConfig(), left)
		return nil
	})
	if err != nil {
		return explainMissing(err)
	}
	if emptied {
		fmt.Fprintf(f.IO.ErrOut, "warning: route %s now allows nobody (allow: []): every request to it is denied\n", o.Route)
	}
	cmdutil.ReportEdit(f.IO, res)
	if err := cmdutil.RefreshKeyAuth(f, store, o.DryRun); err != nil {
		return err
	}
	return nil
}

func explainMissing(err error) error {
	if errors.Is(err, wasmplugin.ErrNotFound) {
		return fmt.Errorf("%v: add a consumer first (higress-ai consumer add NAME)", err)
	}
	return err
}

func toAny(names []string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}
