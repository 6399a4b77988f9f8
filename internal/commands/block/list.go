package block

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// ListOptions are block list's inputs.
type ListOptions struct {
	F      *cmdutil.Factory
	Plugin string
	Output string
}

// NewCmdList builds block list.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List blocked words, where they are matched and their scope",
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		Example: "$ higress-ai block list\n$ higress-ai block list -o json",
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := f.Flags.OutputFormat("table", "wide", "json", "yaml")
			if err != nil {
				return err
			}
			o.Output = format
			if runF != nil {
				return runF(o)
			}
			return listRun(o)
		},
	}
	cmd.Flags().StringVar(&o.Plugin, "plugin", "", "name of the request-block WasmPlugin (default: found automatically)")
	return cmd
}

func listRun(o *ListOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	p, err := wasmplugin.Find(f.Context, store, target(f, o.Plugin))
	if err != nil {
		return err
	}
	entries := []Entry{}
	if p == nil {
		fmt.Fprintf(f.IO.ErrOut, "no request-block wasmplugin in namespace %q: block add creates one\n", f.Namespace())
	} else if entries, err = Entries(*p); err != nil {
		return err
	}
	if o.Output == "json" || o.Output == "yaml" {
		return cmdutil.PrintStructured(f.IO, o.Output, entries)
	}
	headers := []string{"WORD", "IN", "SCOPE", "CASE"}
	if o.Output == "wide" {
		headers = append(headers, "ENABLED", "PLUGIN")
	}
	t := cmdutil.NewTable(headers...)
	for _, e := range entries {
		cs := "insensitive"
		if e.CaseSensitive {
			cs = "sensitive"
		}
		row := []string{fmt.Sprintf("%q", e.Word), e.In, e.Scope, cs}
		if o.Output == "wide" {
			row = append(row, fmt.Sprint(e.Enabled), p.Ref())
		}
		t.Row(row...)
	}
	if t.Len() == 0 {
		if p != nil {
			fmt.Fprintf(f.IO.ErrOut, "no blocked words in wasmplugin %q\n", p.Ref())
		}
		return nil
	}
	return t.Render(f.IO)
}
