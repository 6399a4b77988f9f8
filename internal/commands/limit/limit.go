// Package limit holds the limit commands: token limits per consumer and route through Higress's
// ai-token-ratelimit plugin, and a replay of real traffic through limits before they are enforced.
package limit

import (
	"fmt"

	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/ratelimit"
)

// semantics is what every limit command's help says about how the plugin counts.
const semantics = `How ai-token-ratelimit counts (read from its source, and what replay models): each limit has one
window (second, minute, hour or day) that starts with the first tokens counted for that consumer
and lasts its length; before a request the counter is read and the request refused (429) only
when it is above the limit, and after the response its input+output tokens are added, so the
request that crosses the limit completes. The first matching rule item, and within it the first
matching key, decides: a consumer has one window, not several. Changing a limit keeps the
counter; changing the window starts a new one. If Redis cannot be reached, requests pass.
It runs before any plugin that knows the model, so it cannot limit per model: limit per route,
or use the bundled ai-proxy's budgets.`

// NewCmdLimit groups the limit verbs.
func NewCmdLimit(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "limit <command>",
		Short:   "Manage token limits per consumer and route (ai-token-ratelimit)",
		Aliases: []string{"limits"},
		Long:    "Token limits per consumer, for everyone, or on one route, in Higress's ai-token-ratelimit plugin.\n\n" + semantics,
	}
	cmd.AddCommand(NewCmdSet(f, nil), NewCmdList(f, nil), NewCmdRemove(f, nil), NewCmdReplay(f, nil))
	return cmd
}

// checkRoute refuses a --route name holding control or invisible characters, as route bind does.
func checkRoute(route string) error {
	if route == "" {
		return nil
	}
	if err := termsafe.Check("route name", route); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	return nil
}

// printNotes tells the user what an edit did beyond the limit, on stderr.
func printNotes(s *cmdutil.IOStreams, notes []string) {
	for _, n := range notes {
		fmt.Fprintln(s.ErrOut, "note: "+termsafe.Escape(n))
	}
}

func pluginFlag(f *cmdutil.Factory, cmd *cobra.Command, name *string) {
	cmd.Flags().StringVar(name, "plugin", "", "name of the ai-token-ratelimit WasmPlugin (default: found automatically)")
	f.CompleteFlag(cmd, "plugin", cmdutil.PluginNames(ratelimit.Plugin))
}
