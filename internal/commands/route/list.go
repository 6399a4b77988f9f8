package route

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/access"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/keyauth"
)

// ListOptions are route list's inputs.
type ListOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output
	Plugin string
}

// NewCmdList builds route list.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	o := &ListOptions{IO: f.IO, Env: f.Env}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List routes with the consumers allowed, blocked words and whether auth is on",
		Aliases: []string{"ls"},
		Args:    cmdutil.NoArgs,
		Long: `List the routes a consumer can be bound to: the Ingresses of class higress in every namespace
(Ingress documents in --dir mode) and every route named in a key-auth or request-block match rule.

AUTH is "on" when a key-auth rule decides who may call the route (the first enabled rule naming it
or one of its hosts; disabled rules do not apply), "global" when no rule does and global_auth
needs a key of any consumer (global_auth: true, or unset while no enabled rule exists at all), and
"off" when no key is needed.`,
		Example: "$ higress-ai route list\n$ higress-ai route list -o json\n$ higress-ai route list --dir ./gitops --no-headers",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return listRun(cmd.Context(), o)
		},
	}
	pluginFlag(f, cmd, &o.Plugin)
	o.Output = cmdutil.AddOutputFlag(cmd, cmdutil.FormatTable, cmdutil.FormatWide, cmdutil.FormatJSON, cmdutil.FormatYAML, cmdutil.FormatName, cmdutil.FormatJSONPath)
	return cmd
}

func listRun(ctx context.Context, o *ListOptions) error {
	env, err := o.Env()
	if err != nil {
		return err
	}
	ps, err := env.Load(ctx, gateway.Select{KeyAuth: o.Plugin})
	if err != nil {
		return err
	}
	routes, err := env.KnownRoutes(ctx, ps)
	if err != nil {
		// Someone allowed to edit WasmPlugins may not list Ingresses: the rules still say a lot.
		cmdutil.Warn(o.IO, "showing routes named in match rules only: "+err.Error())
	}
	infos, err := gateway.RouteTable(ps, routes)
	if err != nil {
		return err
	}
	effect, err := access.GlobalEffect(ps.KeyAuth, ps.Auth)
	if err != nil {
		return err
	}
	if effect != "" {
		cmdutil.Note(o.IO, effect)
	}
	if ps.KeyAuth != nil {
		if n := keyauth.ReadNote(ps.KeyAuth.URL(), ps.KeyAuth.Ref()); n != "" {
			cmdutil.Warn(o.IO, n)
		}
	}
	if len(infos) == 0 && o.Output.Human() {
		fmt.Fprintf(o.IO.ErrOut, "no routes: no Ingress of class %s and no match rule names a route\n", k8s.IngressClass)
		return nil
	}
	names := make([]string, len(infos))
	for i, in := range infos {
		names[i] = in.Route
	}
	return o.Output.List(o.IO, infos, "route", names, func(wide bool) *cmdutil.Table {
		headers := []string{"ROUTE", "AUTH", "CONSUMERS", "BLOCKED"}
		if wide {
			headers = append(headers, "INGRESS", "HOSTS", "AUTH RULE", "BLOCK RULE")
		}
		t := cmdutil.NewTable(headers...)
		for _, in := range infos {
			blocked := "-"
			if len(in.BlockedWords) > 0 {
				blocked = fmt.Sprintf("%d (%s)", len(in.BlockedWords), in.BlockRule)
			}
			row := []string{in.Route, string(in.Auth), formatConsumers(in.Auth, in.Consumers), blocked}
			if wide {
				ingress := "-"
				if in.Ingress {
					ingress = in.Namespace + "/" + strings.TrimPrefix(in.Route, in.Namespace+"/")
				}
				row = append(row, ingress, dash(strings.Join(in.Hosts, ",")), dash(in.AuthRule), dash(in.BlockRule))
			}
			t.Row(row...)
		}
		return t
	})
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
