package limit

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/termsafe"
)

// ListOptions are limit list's inputs.
type ListOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output
	Plugin string
}

// NewCmdList builds limit list.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	o := &ListOptions{IO: f.IO, Env: f.Env}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List token limits: who, where, how many tokens per window",
		Aliases: []string{"ls"},
		Args:    cmdutil.NoArgs,
		Example: "$ higress-ai limit list\n$ higress-ai limit list -o json",
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
	p, err := env.Find(ctx, action.RateLimitTarget(env, o.Plugin))
	if err != nil {
		return err
	}
	entries := []action.LimitEntry{}
	if p == nil {
		fmt.Fprintf(o.IO.ErrOut, "no ai-token-ratelimit wasmplugin in namespace %q: limit set creates one\n", env.Namespace)
	} else if entries, err = action.Limits(*p); err != nil {
		return err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Consumer
	}
	return o.Output.List(o.IO, entries, "limit", names, func(wide bool) *cmdutil.Table {
		headers := []string{"CONSUMER", "SCOPE", "TOKENS", "PER", "APPLIES"}
		if wide {
			headers = append(headers, "BY", "PLUGIN")
		}
		t := cmdutil.NewTable(headers...)
		for _, e := range entries {
			applies := "yes"
			if !e.Applies {
				applies = "no (an earlier limit matches first, or the config is disabled)"
			}
			consumer := termsafe.Escape(e.Consumer)
			if e.Consumer == "*" && e.By == "limit_by_per_consumer" {
				consumer = "(everyone else)"
			}
			row := []string{consumer, e.Scope, fmt.Sprint(e.Tokens), e.Window, applies}
			if wide {
				row = append(row, e.By, e.Plugin)
			}
			t.Row(row...)
		}
		return t
	})
}
