// Package provider holds the provider commands: the upstream LLM providers of the bundled
// ai-proxy and the one key (or several) the gateway holds for each.
package provider

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

// NewCmdProvider groups the provider verbs.
func NewCmdProvider(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "provider <command>",
		Short:   "Manage the upstream providers and the keys the gateway holds for them",
		Aliases: []string{"providers"},
		Long: `Providers live in the bundled ai-proxy's WasmPlugin (plugin install first). Each has a type, an
optional base URL and model mapping, and the upstream keys, which come from standard input or an
environment variable, never from a flag value, and are masked in every output and diff.
route bind ROUTE --provider ID points a route at one.`,
	}
	cmd.AddCommand(NewCmdAdd(f, nil), NewCmdList(f, nil), NewCmdRemove(f, nil), NewCmdRotateKey(f, nil))
	return cmd
}

// KeySource says where the upstream keys come from.
type KeySource struct {
	Stdin bool     // one key per line of standard input
	Env   []string // names of environment variables, one key each
}

func (k *KeySource) bind(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&k.Stdin, "api-key-stdin", false, "read the upstream key(s) from standard input, one per line")
	cmd.Flags().StringSliceVar(&k.Env, "api-key-env", nil, "read the upstream key from this environment variable (repeat for several keys)")
}

func (k KeySource) given() bool { return k.Stdin || len(k.Env) > 0 }

// read returns the keys; no message names a key's value.
func (k KeySource) read(s *cmdutil.IOStreams, getenv func(string) string) ([]string, error) {
	var keys []string
	if k.Stdin {
		if s.StdinTTY {
			fmt.Fprint(s.ErrOut, "Upstream key (input is not hidden; prefer a pipe), then Ctrl-D: ")
		}
		b, err := io.ReadAll(io.LimitReader(s.In, 64*1024))
		if err != nil {
			return nil, fmt.Errorf("--api-key-stdin: %w", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				keys = append(keys, line)
			}
		}
		if len(keys) == 0 {
			return nil, cmdutil.FlagErrorf("--api-key-stdin: no key on standard input")
		}
	}
	for _, name := range k.Env {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return nil, cmdutil.FlagErrorf("--api-key-env: environment variable %s is empty or not set", name)
		}
		keys = append(keys, v)
	}
	return keys, nil
}

// completeIDs completes provider ids from the store, with a short timeout.
func completeIDs(f *cmdutil.Factory) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
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
		rows, _ := aiplugin.Providers(ctx, store, f.Namespace())
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
		return ids, cobra.ShellCompDirectiveNoFileComp
	}
}
