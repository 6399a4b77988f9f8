package consumer

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/secret"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// ListOptions are consumer list's inputs.
type ListOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output
	Plugin string
}

// Item is one consumer as -o json|yaml prints it; credentials are always masked.
type Item struct {
	Name        string   `json:"name"`
	Credentials []string `json:"credentials"`
	PresentedAs string   `json:"presentedAs"`
	AllowedOn   []string `json:"allowedOn"`
	Plugin      string   `json:"plugin"`
}

// NewCmdList builds consumer list.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	o := &ListOptions{IO: f.IO, Env: f.Env}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List consumers with their keys masked",
		Aliases: []string{"ls"},
		Args:    cmdutil.NoArgs,
		Example: "$ higress-ai consumer list\n$ higress-ai consumer list -o json\n$ higress-ai consumer list --dir ./gitops -o name\n$ higress-ai consumer list -o jsonpath='{.items[*].name}'",
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
	p, err := env.Find(ctx, env.KeyAuth(o.Plugin))
	if err != nil {
		return err
	}
	items := []Item{}
	if p == nil {
		fmt.Fprintf(o.IO.ErrOut, "no key-auth wasmplugin in namespace %q: add a consumer to create one\n", env.Namespace)
	} else if items, err = listItems(*p); err != nil {
		return err
	}
	if len(items) == 0 && o.Output.Human() {
		if p != nil {
			fmt.Fprintf(o.IO.ErrOut, "no consumers in wasmplugin %q\n", p.Ref())
		}
		return nil
	}
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.Name
	}
	return o.Output.List(o.IO, items, "consumer", names, func(wide bool) *cmdutil.Table {
		t := cmdutil.NewTable("NAME", "KEY", "PRESENTED AS", "ALLOWED ON")
		if wide {
			t = cmdutil.NewTable("NAME", "KEY", "PRESENTED AS", "ALLOWED ON", "KEYS", "PLUGIN")
		}
		for _, it := range items {
			key := "-"
			if n := len(it.Credentials); n > 0 {
				key = it.Credentials[n-1]
			}
			if len(it.Credentials) > 1 {
				key += " (+" + strconv.Itoa(len(it.Credentials)-1) + " old)"
			}
			allowed := strings.Join(it.AllowedOn, "; ")
			if allowed == "" {
				allowed = "-"
			}
			row := []string{it.Name, key, it.PresentedAs, allowed}
			if wide {
				row = append(row, strconv.Itoa(len(it.Credentials)), it.Plugin)
			}
			t.Row(row...)
		}
		return t
	})
}

func listItems(p wasmplugin.Plugin) ([]Item, error) {
	cfg, err := gateway.KeyAuthConfig(p)
	if err != nil {
		return nil, err
	}
	items := []Item{}
	for _, c := range cfg.Consumers() {
		it := Item{Name: c.Name(), PresentedAs: c.Where(), Plugin: p.Ref(), Credentials: []string{}, AllowedOn: []string{}}
		for _, cr := range c.Credentials() {
			it.Credentials = append(it.Credentials, secret.Mask(cr))
		}
		rules, err := gateway.AllowedOn(p, c.Name())
		if err != nil {
			return nil, err
		}
		for _, r := range rules {
			it.AllowedOn = append(it.AllowedOn, r.Targets())
		}
		items = append(items, it)
	}
	return items, nil
}
