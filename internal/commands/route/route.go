// Package route holds the route commands: which consumers may call which routes, kept in the
// allow lists of the key-auth WasmPlugin's match rules.
package route

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// NewCmdRoute groups the route verbs.
func NewCmdRoute(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "route <command>",
		Short:   "Manage which consumers may call which routes",
		Aliases: []string{"routes"},
		Long: `A route is an Ingress of class higress, named as Higress names it in match rules: bare in
Higress's namespace (-n), namespace/name elsewhere. Binding consumers to a route writes the allow
list of the key-auth match rule for exactly that route; once a route has such a rule, only the
consumers it allows may call it.`,
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdBind(f, nil), NewCmdUnbind(f, nil), NewCmdAuth(f, nil), NewCmdDeleteRule(f, nil))
	return cmd
}

func pluginFlag(f *cmdutil.Factory, cmd *cobra.Command, name *string) {
	cmd.Flags().StringVar(name, "plugin", "", "name of the key-auth WasmPlugin (default: found automatically)")
	f.CompleteFlag(cmd, "plugin", cmdutil.PluginNames(keyauth.Plugin))
}

// scopeArg is the route (ROUTE) or the domain (--domain) a command edits, refusing both or neither.
func scopeArg(cmd *cobra.Command, args []string, s *wasmplugin.Scope) error {
	switch {
	case len(args) == 1 && s.Domain != "":
		return cmdutil.FlagErrorf("give ROUTE or --domain, not both")
	case len(args) == 1 && strings.TrimSpace(args[0]) == "":
		return cmdutil.FlagErrorf("empty route name")
	case len(args) == 1:
		s.Route = args[0]
		return termsafe.Check("route name", s.Route)
	case !cmd.Flags().Changed("domain"):
		return cmdutil.FlagErrorf("missing ROUTE: name the route (or --domain DOMAIN)")
	case strings.TrimSpace(s.Domain) == "":
		return cmdutil.FlagErrorf("empty domain name")
	}
	return termsafe.Check("domain name", s.Domain)
}

func formatConsumers(auth gateway.Auth, names []string) string {
	switch {
	case auth == gateway.AuthOff:
		return "(anyone, no key)"
	case names == nil:
		return "(any consumer)"
	case len(names) == 0:
		return "(nobody)"
	}
	return strings.Join(names, ",")
}
