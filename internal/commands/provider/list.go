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
	F       *cmdutil.Factory
	Output  string
	Printer *cmdutil.Output
}

// NewCmdList builds provider list.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the providers, their masked keys and the routes bound to them",
		Example: "$ higress-ai provider list\n$ higress-ai provider list -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Output = string(o.Printer.Format()); o.Output == "" {
				o.Output = "table"
			}
			if runF != nil {
				return runF(o)
			}
			return listRun(o)
		},
	}
	o.Printer = cmdutil.AddOutputFlag(cmd, cmdutil.FormatTable, cmdutil.FormatWide, cmdutil.FormatJSON, cmdutil.FormatYAML, cmdutil.FormatName, cmdutil.FormatJSONPath)
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
	if rows == nil {
		rows = []aiplugin.ProviderInfo{}
	}
	if len(rows) == 0 && o.Printer.Human() {
		fmt.Fprintln(f.IO.ErrOut, "no providers: add one with provider add ID --type TYPE --api-key-env VAR")
		return nil
	}
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r.ID
	}
	return o.Printer.List(f.IO, rows, "provider", names, func(wide bool) *cmdutil.Table {
		headers := []string{"ID", "TYPE", "KEYS", "ROUTES"}
		if wide {
			headers = append(headers, "BASE URL", "MODEL MAPPING")
		}
		t := cmdutil.NewTable(headers...)
		for _, r := range rows {
			cells := []string{r.ID, r.Type, orDash(r.Keys), orDash(r.Routes)}
			if wide {
				base := r.BaseURL
				if base == "" {
					base = "(default)"
				}
				cells = append(cells, base, orDash(r.ModelMapping))
			}
			t.Row(cells...)
		}
		return t
	})
}

func orDash(l []string) string {
	if len(l) == 0 {
		return "-"
	}
	return strings.Join(l, ",")
}
