// Package plugin holds the plugin commands: the bundled ai-proxy's WasmPlugin and the AI plugins
// around it.
package plugin

import (
	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

// NewCmdPlugin groups the plugin verbs.
func NewCmdPlugin(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "plugin <command>",
		Short:   "Install and inspect the bundled ai-proxy plugin and the AI plugins around it",
		Aliases: []string{"plugins"},
	}
	cmd.AddCommand(NewCmdInstall(f, nil), NewCmdUninstall(f, nil), NewCmdRollback(f, nil), NewCmdList(f, nil))
	return cmd
}
