package consumer

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/termsafe"
)

// ShowOptions are consumer show's inputs.
type ShowOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output
	Name   string
	Plugin string
}

// NewCmdShow builds consumer show.
func NewCmdShow(f *cmdutil.Factory, runF func(context.Context, *ShowOptions) error) *cobra.Command {
	o := &ShowOptions{IO: f.IO, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a consumer's effective policy: routes, domains, global auth, blocked words, keys",
		Long: `Show, on one screen, what a consumer may do, as the gateway decides it. For every known route
(Ingresses of class higress, routes named in match rules) the key-auth rule in force decides: the
first enabled rule naming the route or one of its hosts, else the global config (global_auth true,
or unset while no rule exists, needs any consumer's key). It lists the routes its key opens, the
routes that need no key, the domains whose rule admits it, the blocked words of the request-block
config each of those routes and domains gets, and its credentials, masked.`,
		Example:           "$ higress-ai consumer show alice\n$ higress-ai consumer show alice -o json",
		Args:              cmdutil.ExactArgs("NAME"),
		ValidArgsFunction: f.CompleteArgs(1, cmdutil.ConsumerNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return showRun(cmd.Context(), o)
		},
	}
	pluginFlag(f, cmd, &o.Plugin)
	o.Output = cmdutil.AddOutputFlag(cmd, cmdutil.FormatJSON, cmdutil.FormatYAML, cmdutil.FormatJSONPath)
	return cmd
}

func showRun(ctx context.Context, o *ShowOptions) error {
	env, err := o.Env()
	if err != nil {
		return err
	}
	ps, err := env.Load(ctx, gateway.Select{KeyAuth: o.Plugin})
	if err != nil {
		return err
	}
	pol, warn, err := env.ConsumerPolicy(ctx, ps, o.Name)
	if err != nil {
		return err
	}
	if n := keyauth.ReadNote(ps.KeyAuth.URL(), ps.KeyAuth.Ref()); n != "" {
		cmdutil.Warn(o.IO, n)
	}
	if pol.Models, _, err = aiplugin.Models(ctx, env.Store, env.Namespace, o.Name); err != nil {
		return err
	}
	if pol.Limits, err = consumerLimits(ctx, env, o.Name); err != nil {
		return err
	}
	if warn != nil {
		cmdutil.Warn(o.IO, "showing routes named in match rules only: "+warn.Error())
	}
	if !o.Output.Human() {
		return o.Output.Data(o.IO, pol)
	}
	printPolicy(o.IO.Out, pol)
	return nil
}

func printPolicy(w io.Writer, pol gateway.Policy) {
	orNone := func(list []string) string {
		if len(list) == 0 {
			return "none"
		}
		return termsafe.Escape(strings.Join(list, ", "))
	}
	fmt.Fprintf(w, "Consumer:     %s (%s)\n", termsafe.Escape(pol.Name), termsafe.Escape(pol.Plugin))
	fmt.Fprintf(w, "Credentials:  %s, presented as %s\n", orNone(pol.Credentials), termsafe.Escape(pol.PresentedAs))
	fmt.Fprintf(w, "Routes:       %s\n", orNone(pol.Access.Routes))
	fmt.Fprintf(w, "Open routes:  %s\n", orNone(pol.Access.OpenRoutes))
	fmt.Fprintf(w, "Domains:      %s\n", orNone(pol.Access.Domains))
	switch {
	case pol.Models == nil:
		fmt.Fprintln(w, "Models:       any (no model list for it in the bundled ai-proxy)")
	case len(pol.Models) == 0:
		fmt.Fprintln(w, "Models:       none (an empty model list)")
	default:
		fmt.Fprintf(w, "Models:       %s\n", termsafe.Escape(strings.Join(pol.Models, ", ")))
	}
	if len(pol.Limits) == 0 {
		fmt.Fprintln(w, "Limits:       none")
	}
	for i, l := range pol.Limits {
		label := "Limits:      "
		if i > 0 {
			label = "             "
		}
		own := ""
		if l.Default {
			own = " (the default limit)"
		}
		fmt.Fprintf(w, "%s %d tokens per %s in %s%s\n", label, l.Tokens, l.Window, termsafe.Escape(l.Scope), own)
	}
	if pol.Access.GlobalAuth {
		fmt.Fprintln(w, "Global auth:  on; its key opens every route no key-auth rule covers")
	} else {
		fmt.Fprintln(w, "Global auth:  off (routes without a key-auth rule need no key at all)")
	}
	if len(pol.BlockedWords) == 0 {
		fmt.Fprintln(w, "Blocked:      none")
		return
	}
	fmt.Fprintln(w, "Blocked:")
	for _, e := range pol.BlockedWords {
		where := e.Scope
		if len(e.On) != 1 || e.On[0] != e.Scope {
			where += " (on " + strings.Join(e.On, "; ") + ")"
		}
		fmt.Fprintf(w, "  %-24q in %-9s %s\n", e.Word, e.In, termsafe.Escape(where))
	}
}

// consumerLimits are the token limits that apply to the consumer; none without ai-token-ratelimit.
func consumerLimits(ctx context.Context, env gateway.Env, name string) ([]gateway.Limit, error) {
	out := []gateway.Limit{}
	p, err := env.Find(ctx, action.RateLimitTarget(env, ""))
	if err != nil || p == nil {
		return out, err
	}
	entries, err := action.ConsumerLimits(*p, name)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		out = append(out, gateway.Limit{Scope: e.Scope, Tokens: e.Tokens, Window: e.Window, Default: e.Consumer != name})
	}
	return out, nil
}
