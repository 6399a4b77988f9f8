package cmdutil

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// completionTimeout bounds every look-up a completion makes, so a slow or unreachable cluster
// never hangs a shell.
const completionTimeout = 2 * time.Second

// Names lists names from the gateway for completion.
type Names func(ctx context.Context, env gateway.Env, ps gateway.Plugins) []string

// ConsumerNames are the consumers of the key-auth plugin.
func ConsumerNames(_ context.Context, _ gateway.Env, ps gateway.Plugins) []string {
	return gateway.ConsumerNames(ps.Auth)
}

// RouteNames are the known routes: Ingresses and routes named in match rules.
func RouteNames(ctx context.Context, env gateway.Env, ps gateway.Plugins) []string {
	routes, _ := env.KnownRoutes(ctx, ps)
	var out []string
	for _, r := range routes {
		out = append(out, r.Name)
	}
	return out
}

// BlockedWordNames are the words of the request-block plugin, each once.
func BlockedWordNames(_ context.Context, _ gateway.Env, ps gateway.Plugins) []string {
	if ps.Block == nil {
		return nil
	}
	words, _ := gateway.BlockedWords(*ps.Block)
	var out []string
	for _, w := range words {
		if !slices.Contains(out, w.Word) {
			out = append(out, w.Word)
		}
	}
	return out
}

// DomainNames are the domains named in key-auth and request-block rules.
func DomainNames(_ context.Context, _ gateway.Env, ps gateway.Plugins) []string {
	var out []string
	for _, p := range []*wasmplugin.Plugin{ps.KeyAuth, ps.Block} {
		if p != nil {
			rules, _ := p.Rules()
			for _, r := range rules {
				out = append(out, r.Domain()...)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// PluginNames are the WasmPlugins of one plugin kind, for --plugin.
func PluginNames(kind string) Names {
	return func(ctx context.Context, env gateway.Env, _ gateway.Plugins) []string {
		ps, _ := wasmplugin.FindAll(ctx, env.Store, env.Namespace, kind)
		var out []string
		for _, p := range ps {
			out = append(out, p.Name())
		}
		return out
	}
}

// lookUp runs names against the store the flags select, within the completion timeout.
func (f *Factory) lookUp(cmd *cobra.Command, names Names) []string {
	ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
	defer cancel()
	done := make(chan []string, 1)
	go func() {
		env, err := f.Env()
		if err != nil {
			done <- nil
			return
		}
		ps, _ := env.Load(ctx, gateway.Select{})
		done <- names(ctx, env, ps)
	}()
	select {
	case out := <-done:
		return out
	case <-ctx.Done():
		return nil
	}
}

// CompleteArgs completes the first n positional arguments (n < 0: all) from names, leaving out
// those already given.
func (f *Factory) CompleteArgs(n int, names Names) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if n >= 0 && len(args) >= n {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return without(f.lookUp(cmd, names), args), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteFlag completes a flag's value from names.
func (f *Factory) CompleteFlag(cmd *cobra.Command, flag string, names Names) {
	_ = cmd.RegisterFlagCompletionFunc(flag, func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		return f.lookUp(cmd, names), cobra.ShellCompDirectiveNoFileComp
	})
}

// CompleteListFlag completes a comma-separated flag: after "a,b," it offers "a,b,NAME" for every
// name not in the list yet.
func (f *Factory) CompleteListFlag(cmd *cobra.Command, flag string, names Names) {
	_ = cmd.RegisterFlagCompletionFunc(flag, func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		prefix, given := "", []string(nil)
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			prefix = toComplete[:i+1]
			given = strings.Split(toComplete[:i], ",")
		}
		var out []string
		for _, n := range without(f.lookUp(cmd, names), given) {
			out = append(out, prefix+n)
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
}

func without(names, given []string) []string {
	return slices.DeleteFunc(names, func(n string) bool { return slices.Contains(given, n) })
}
