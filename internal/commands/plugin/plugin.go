// Package plugin holds the plugin commands: the bundled ai-proxy Wasm plugin from source to a
// registry (build, push) and onto the gateway.
package plugin

import (
	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

// NewCmdPlugin groups the plugin verbs.
func NewCmdPlugin(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "plugin <command>",
		Short:   "Build, push and install the bundled ai-proxy Wasm plugin",
		Aliases: []string{"plugins"},
		Long: `The bundled ai-proxy plugin (internal/wasm/ai-proxy) is the gateway's OpenAI-compatible
front: one upstream key, models per consumer, usage in the access log. build compiles it
(reproducibly, with the Go toolchain on PATH) or writes the copy this binary carries; push
sends it to an OCI registry in the layout Higress loads, and checks it by pulling it back.`,
	}
	cmd.AddCommand(NewCmdBuild(f, nil))
	cmd.AddCommand(NewCmdPush(f, nil))
	cmd.AddCommand(NewCmdInstall(f, nil), NewCmdUninstall(f, nil), NewCmdRollback(f, nil), NewCmdList(f, nil))
	return cmd
}
