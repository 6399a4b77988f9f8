package provider

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

// ListOptions are provider list's inputs.
type ListOptions struct {
	F      *cmdutil.Factory
	Output string
}

// NewCmdList builds provider list.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the providers, their masked keys and the routes bound to them",
		Example: "$ higress-ai provider list\n$ higress-ai provider list -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Output, err = f.Flags.OutputFormat("table", "wide", "json", "yaml", "name"); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return listRun(o)
		},
	}
	return cmd
}

func listRun(o *ListOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	rows, err := aiplugin.Providers(f.Context, store, f.Namespace())
	if err != nil {
		return err
	}
	switch o.Output {
	case "json", "yaml":
		if rows == nil {
			rows = []aiplugin.ProviderInfo{}
		}
		return cmdutil.PrintStructured(f.IO, o.Output, rows)
	case "name":
		for _, r := range rows {
			fmt.Fprintln(f.IO.Out, "provider/"+r.ID)
		}
		return nil
	}
	if len(rows) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "no providers: add one with provider add ID --type TYPE --api-key-env VAR")
		return nil
	}
	headers := []string{"ID", "TYPE", "KEYS", "ROUTES"}
	if o.Output == "wide" {
		headers = append(headers, "BASE URL", "MODEL MAPPING")
	}
	t := cmdutil.NewTable(headers...)
	for _, r := range rows {
		cells := []string{r.ID, r.Type, orDash(r.Keys), orDash(r.Routes)}
		if o.Output == "wide" {
			base := r.BaseURL
			if base == "" {
				base = "(default)"
			}
			cells = append(cells, base, orDash(r.ModelMapping))
		}
		t.Row(cells...)
	}
	return t.Render(f.IO)
}

func orDash(l []string) string {
	if len(l) == 0 {
		return "-"
	}
	return strings.Join(l, ",")
}
