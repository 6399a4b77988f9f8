package route

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/access"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/termsafe"
)

// ListOptions are route list's inputs.
type ListOptions struct {
	F      *cmdutil.Factory
	Plugin string
	Output string
}

// NewCmdList builds route list.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List routes with the consumers allowed, blocked words and whether auth is on",
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		Long: `List the routes a consumer can be bound to: the Ingresses of class higress in every namespace
(Ingress documents in --dir mode) and every route named in a key-auth or request-block match rule.

AUTH is "on" when a key-auth rule decides who may call the route (the first enabled rule naming it
or one of its hosts; disabled rules do not apply), "global" when no rule does and global_auth
needs a key of any consumer (global_auth: true, or unset while no enabled rule exists at all), and
"off" when no key is needed.`,
		Example: "$ higress-ai route list\n$ higress-ai route list -o json\n$ higress-ai route list --dir ./gitops",
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := f.Flags.OutputFormat("table", "wide", "json", "yaml", "name")
			if err != nil {
				return err
			}
			o.Output = format
			if runF != nil {
				return runF(o)
			}
			return listRun(o)
		},
	}
	cmd.Flags().StringVar(&o.Plugin, "plugin", "", "name of the key-auth WasmPlugin (default: found automatically)")
	return cmd
}

func listRun(o *ListOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	pol, err := loadPolicy(f, store, o.Plugin)
	if err != nil {
		return err
	}
	ingresses, err := f.Routes(store)
	if err != nil {
		// Someone allowed to edit WasmPlugins may not list Ingresses: the rules still say a lot.
		fmt.Fprintf(f.IO.ErrOut, "warning: showing routes named in match rules only: %s\n", termsafe.Escape(err.Error()))
		ingresses = nil
	}
	infos, err := describe(pol, ingresses)
	if err != nil {
		return err
	}
	effect, err := access.GlobalEffect(pol.keyAuth, pol.auth)
	if err != nil {
		return err
	}
	if effect != "" {
		fmt.Fprintln(f.IO.ErrOut, "note: "+effect)
	}
	if pol.keyAuth != nil {
		if n := keyauth.ReadNote(pol.keyAuth.URL(), pol.keyAuth.Ref()); n != "" {
			fmt.Fprintln(f.IO.ErrOut, "warning: "+n)
		}
	}
	switch o.Output {
	case "json", "yaml":
		return cmdutil.PrintStructured(f.IO, o.Output, infos)
	case "name":
		for _, in := range infos {
			fmt.Fprintln(f.IO.Out, termsafe.Escape(in.Route))
		}
		return nil
	}
	if len(infos) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "no routes: no Ingress of class %s and no match rule names a route\n", k8s.IngressClass)
		return nil
	}
	headers := []string{"ROUTE", "AUTH", "CONSUMERS", "BLOCKED"}
	if o.Output == "wide" {
		headers = append(headers, "INGRESS", "HOSTS", "AUTH RULE", "BLOCK RULE")
	}
	t := cmdutil.NewTable(headers...)
	for _, in := range infos {
		blocked := "-"
		if len(in.BlockedWords) > 0 {
			blocked = fmt.Sprintf("%d (%s)", len(in.BlockedWords), in.BlockRule)
		}
		row := []string{in.Route, string(in.Auth), formatConsumers(in.Auth, in.Consumers), blocked}
		if o.Output == "wide" {
			ingress := "-"
			if in.Ingress {
				ingress = in.Namespace + "/" + strings.TrimPrefix(in.Route, in.Namespace+"/")
			}
			row = append(row, ingress, dash(strings.Join(in.Hosts, ",")), dash(in.AuthRule), dash(in.BlockRule))
		}
		t.Row(row...)
	}
	return t.Render(f.IO)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
