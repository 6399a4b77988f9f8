// Package consumer holds the consumer commands: key-auth consumers and their keys.
package consumer

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
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

// Target is the key-auth plugin the global flags and --plugin select.
func Target(f *cmdutil.Factory, plugin string) wasmplugin.Target {
	return wasmplugin.Target{Namespace: f.Namespace(), Plugin: keyauth.Plugin, Resource: plugin}
}

// ParseConfig reads a key-auth plugin's consumers as its build reads them, saying where its
// config cannot be read.
func ParseConfig(p wasmplugin.Plugin) (*keyauth.Config, error) {
	if err := p.CheckReadable(); err != nil {
		return nil, err
	}
	cfg, err := keyauth.Parse(p.DefaultConfig())
	if err != nil {
		return nil, fmt.Errorf("cannot read the key-auth config of wasmplugin %q: spec.defaultConfig.%w", p.Ref(), err)
	}
	return cfg.ReadAs(keyauth.BuildOf(p.URL())), nil
}

// EditConfig is ParseConfig for a command about to change the plugin: it refuses a plugin whose
// build would not load what this tool writes.
func EditConfig(p wasmplugin.Plugin) (*keyauth.Config, error) {
	cfg, err := ParseConfig(p)
	if err != nil {
		return nil, err
	}
	return cfg, keyauth.CheckWritable(p.URL(), p.Ref())
}

// newKey is the key a command stores: read from standard input when asked, else generated.
func newKey(f *cmdutil.Factory, fromStdin bool) (string, error) {
	if fromStdin {
		return readKey(f.IO)
	}
	return keyauth.GenerateKey(f.Rand)
}

// readKey reads a key from standard input: exactly what was given, less one line ending.
func readKey(s *cmdutil.IOStreams) (string, error) {
	key, err := cmdutil.ReadSecretLine(s, "--key-stdin", "key")
	if err != nil {
		return "", err
	}
	if err := keyauth.CheckKey(key); err != nil {
		return "", fmt.Errorf("--key-stdin: %w", err)
	}
	return key, nil
}

// AllowedOn lists the match rules of the plugin whose allow list names the consumer.
func AllowedOn(p wasmplugin.Plugin, name string) ([]wasmplugin.Rule, error) {
	rules, err := p.Rules()
	if err != nil {
		return nil, err
	}
	var out []wasmplugin.Rule
	for _, r := range rules {
		if names, ok := keyauth.Allow(r.Config()); ok {
			for _, n := range names {
				if n == name {
					out = append(out, r)
					break
				}
			}
		}
	}
	return out, nil
}

// completeNames completes consumer names from the store, with a short timeout.
func completeNames(f *cmdutil.Factory) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Second)
		defer cancel()
		store, err := f.Store()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names, _ := consumerNames(ctx, store, Target(f, ""))
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

func consumerNames(ctx context.Context, store k8s.Store, t wasmplugin.Target) ([]string, error) {
	p, err := wasmplugin.Find(ctx, store, t)
	if err != nil || p == nil {
		return nil, err
	}
	cfg, err := ParseConfig(*p)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, c := range cfg.Consumers() {
		names = append(names, c.Name())
	}
	return names, nil
}
