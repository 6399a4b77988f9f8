package consumer

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/secret"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// ListOptions are consumer list's inputs.
type ListOptions struct {
	F      *cmdutil.Factory
	Plugin string
	Output string
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
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List consumers with their keys masked",
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		Example: "$ higress-ai consumer list\n$ higress-ai consumer list -o json\n$ higress-ai consumer list --dir ./gitops -o name",
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := f.Flags.OutputFormat("table", "wide", "json", "yaml", "name")
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
	cmd.Flags().StringVar(&o.Plugin, "plugin", "", "name of the key-auth WasmPlugin to read (default: found automatically)")
	return cmd
}

func listRun(o *ListOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	p, err := wasmplugin.Find(f.Context, store, Target(f, o.Plugin))
	if err != nil {
		return err
	}
	items := []Item{}
	if p == nil {
		fmt.Fprintf(f.IO.ErrOut, "no key-auth wasmplugin in namespace %q: add a consumer to create one\n", f.Namespace())
	} else if items, err = listItems(*p); err != nil {
		return err
	}
	switch o.Output {
	case "json", "yaml":
		return cmdutil.PrintStructured(f.IO, o.Output, items)
	case "name":
		for _, it := range items {
			fmt.Fprintln(f.IO.Out, termsafe.Escape(it.Name))
		}
		return nil
	}
	t := cmdutil.NewTable("NAME", "KEY", "PRESENTED AS", "ALLOWED ON")
	if o.Output == "wide" {
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
		if o.Output == "wide" {
			row = append(row, strconv.Itoa(len(it.Credentials)), it.Plugin)
		}
		t.Row(row...)
	}
	if t.Len() == 0 && o.Output == "table" && p != nil {
		fmt.Fprintf(f.IO.ErrOut, "no consumers in wasmplugin %q\n", p.Ref())
		return nil
	}
	return t.Render(f.IO)
}

func listItems(p wasmplugin.Plugin) ([]Item, error) {
	cfg, err := ParseConfig(p)
	if err != nil {
		return nil, err
	}
	items := []Item{}
	for _, c := range cfg.Consumers() {
		it := Item{Name: c.Name(), PresentedAs: c.Where(), Plugin: p.Ref(), Credentials: []string{}, AllowedOn: []string{}}
		for _, cr := range c.Credentials() {
			it.Credentials = append(it.Credentials, secret.Mask(cr))
		}
		rules, err := AllowedOn(p, c.Name())
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
