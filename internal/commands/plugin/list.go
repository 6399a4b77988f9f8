package plugin

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
)

// ListOptions are plugin list's inputs.
type ListOptions struct {
	F       *cmdutil.Factory
	Output  string
	Printer *cmdutil.Output
}

// NewCmdList builds plugin list.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List every AI-related WasmPlugin",
		Long: `List the WasmPlugins of the AI gateway: the bundled ai-proxy, Higress's ai-proxy, key-auth,
request-block, ai-statistics, ai-token-ratelimit and ai-quota, with their image, whether it is
pinned by digest, phase, priority, failStrategy, where they apply, and whether the Higress
console lists them (it shows only resources labelled higress.io/resource-definer: higress).`,
		Example: "$ higress-ai plugin list\n$ higress-ai plugin list -o json",
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
	rows, err := aiplugin.List(f.Context, store, f.Namespace())
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []aiplugin.PluginInfo{}
	}
	if len(rows) == 0 && o.Printer.Human() {
		fmt.Fprintf(f.IO.ErrOut, "no AI plugins in namespace %q\n", f.Namespace())
		return nil
	}
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r.Name
	}
	return o.Printer.List(f.IO, rows, k8s.ResourceName, names, func(wide bool) *cmdutil.Table {
		headers := []string{"NAME", "PLUGIN", "VERSION", "PINNED", "PHASE", "PRIORITY", "FAIL", "SCOPES", "CONSOLE"}
		origins, inFolder := store.(k8s.Originer)
		if wide {
			headers = append(headers, "URL")
			if inFolder {
				headers = append(headers, "SOURCE")
			}
		}
		t := cmdutil.NewTable(headers...)
		for _, r := range rows {
			cells := []string{r.Name, r.Plugin, short(r.Version), yesNo(r.Pinned), r.Phase, fmt.Sprint(r.Priority), r.FailStrategy, r.Scopes, yesNo(r.Console)}
			if wide {
				cells = append(cells, r.URL)
				if inFolder {
					at, _ := origins.Origin(f.Namespace(), r.Name)
					cells = append(cells, at.String())
				}
			}
			t.Row(cells...)
		}
		return t
	})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// short cuts a digest version to something a table can hold.
func short(v string) string {
	if len(v) > 19 && v[:7] == "sha256:" {
		return v[:19]
	}
	return v
}
