// Package consumer holds the consumer commands: key-auth consumers and their keys.
package consumer

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/keyauth"
)

// NewCmdConsumer groups the consumer verbs.
func NewCmdConsumer(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "consumer <command>",
		Short:   "Manage consumers: the people and teams that hold gateway keys",
		Aliases: []string{"consumers"},
		Long: `Consumers live in the key-auth WasmPlugin (the console's key-auth.internal when it exists).
Each holds one or more keys; routes name the consumers they allow.`,
	}
	cmd.AddCommand(NewCmdAdd(f, nil))
	cmd.AddCommand(NewCmdList(f, nil))
	cmd.AddCommand(NewCmdRemove(f, nil))
	cmd.AddCommand(NewCmdRotate(f, nil))
	cmd.AddCommand(NewCmdShow(f, nil))
	cmd.AddCommand(NewCmdModels(f, nil))
	return cmd
}

// newKey is the key a command stores: from the secret flags when given (checked, not shown
// again), else generated here (generated: it may be shown once).
func newKey(in *cmdutil.SecretInput, s *cmdutil.IOStreams, getenv func(string) string, r io.Reader) (key string, generated bool, err error) {
	if !in.Given() {
		key, err = keyauth.GenerateKey(r)
		return key, true, err
	}
	if key, err = in.Read(s, getenv); err != nil {
		return "", false, err
	}
	if err := keyauth.CheckKey(key); err != nil {
		return "", false, fmt.Errorf("%s: %w", in.Flag(), err)
	}
	return key, false, nil
}

// pluginFlag binds --plugin, completed with the key-auth WasmPlugins.
func pluginFlag(f *cmdutil.Factory, cmd *cobra.Command, name *string) {
	cmd.Flags().StringVar(name, "plugin", "", "name of the key-auth WasmPlugin (default: found automatically)")
	f.CompleteFlag(cmd, "plugin", cmdutil.PluginNames(keyauth.Plugin))
}
