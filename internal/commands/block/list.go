package block

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/requestblock"
)

// ListOptions are block list's inputs.
type ListOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output
	Plugin string
}

// NewCmdList builds block list.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	o := &ListOptions{IO: f.IO, Env: f.Env}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List blocked words, where they are matched and their scope",
		Aliases: []string{"ls"},
		Args:    cmdutil.NoArgs,
		Example: "$ higress-ai block list\n$ higress-ai block list -o json\n$ higress-ai block list -o name",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return listRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Plugin, "plugin", "", "name of the request-block WasmPlugin (default: found automatically)")
	f.CompleteFlag(cmd, "plugin", cmdutil.PluginNames(requestblock.Plugin))
	o.Output = cmdutil.AddOutputFlag(cmd, cmdutil.FormatTable, cmdutil.FormatWide, cmdutil.FormatJSON, cmdutil.FormatYAML, cmdutil.FormatName, cmdutil.FormatJSONPath)
	return cmd
}

func listRun(ctx context.Context, o *ListOptions) error {
	env, err := o.Env()
	if err != nil {
		return err
	}
	p, err := env.Find(ctx, env.Block(o.Plugin))
	if err != nil {
		return err
	}
	entries := []gateway.BlockedWord{}
	if p == nil {
		fmt.Fprintf(o.IO.ErrOut, "no request-block wasmplugin in namespace %q: block add creates one\n", env.Namespace)
	} else if entries, err = gateway.BlockedWords(*p); err != nil {
		return err
	}
	if len(entries) == 0 && o.Output.Human() {
		if p != nil {
			fmt.Fprintf(o.IO.ErrOut, "no blocked words in wasmplugin %q\n", p.Ref())
		}
		return nil
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Word
	}
	return o.Output.List(o.IO, entries, "word", names, func(wide bool) *cmdutil.Table {
		headers := []string{"WORD", "IN", "SCOPE", "CASE"}
		if wide {
			headers = append(headers, "ENABLED", "PLUGIN")
		}
		t := cmdutil.NewTable(headers...)
		for _, e := range entries {
			cs := "insensitive"
			if e.CaseSensitive {
				cs = "sensitive"
			}
			row := []string{fmt.Sprintf("%q", e.Word), e.In, e.Scope, cs}
			if wide {
				row = append(row, fmt.Sprint(e.Enabled), p.Ref())
			}
			t.Row(row...)
		}
		return t
	})
}
