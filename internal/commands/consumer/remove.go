package consumer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// RemoveOptions are consumer remove's inputs.
type RemoveOptions struct {
	F      *cmdutil.Factory
	Name   string
	Force  bool
	Plugin string
	DryRun wasmplugin.DryRun
}

// NewCmdRemove builds consumer remove.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	o := &RemoveOptions{F: f}
	cmd := &cobra.Command{
		Use:     "remove NAME",
		Short:   "Remove a consumer and its keys",
		Aliases: []string{"rm", "delete"},
		Long: `Remove a consumer from the key-auth WasmPlugin.

Refused while a route or domain rule still allows the consumer, as the Higress console
does; --force removes the name from those allow lists too and says which.`,
		Example:           "$ higress-ai consumer remove alice\n$ higress-ai consumer remove alice --force",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			dry, err := f.Flags.DryRunMode()
			if err != nil {
				return err
			}
			o.DryRun = dry
			if runF != nil {
				return runF(o)
			}
			return removeRun(o)
		},
	}
	cmd.Flags().BoolVar(&o.Force, "force", false, "also remove the consumer from the allow lists that name it")
	cmd.Flags().StringVar(&o.Plugin, "plugin", "", "name of the key-auth WasmPlugin to edit (default: found automatically)")
	return cmd
}

func removeRun(o *RemoveOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	var unbound []string
	var emptied []string
	res, err := wasmplugin.Edit(f.Context, store, Target(f, o.Plugin), false, o.DryRun, func(p wasmplugin.Plugin) error {
		unbound, emptied = nil, nil
		cfg, err := EditConfig(p)
		if err != nil {
			return err
		}
		if !cfg.RemoveConsumer(o.Name) {
			return fmt.Errorf("consumer %q not found in wasmplugin %q", o.Name, p.Ref())
		}
		rules, err := AllowedOn(p, o.Name)
		if err != nil {
			return err
		}
		if len(rules) > 0 && !o.Force {
			var where []string
			for _, r := range rules {
				where = append(where, r.Targets())
			}
			return fmt.Errorf("consumer %q is still allowed on %s: unbind it first or use --force", o.Name, strings.Join(where, "; "))
		}
		for _, r := range rules {
			names, _ := keyauth.Allow(r.Config())
			names = slices.DeleteFunc(names, func(n string) bool { return n == o.Name })
			keyauth.SetAllow(r.EditConfig(), names)
			unbound = append(unbound, r.Targets())
			if len(names) == 0 {
				emptied = append(emptied, r.Targets())
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, u := range unbound {
		fmt.Fprintf(f.IO.ErrOut, "removed %q from the allow list of %s\n", o.Name, termsafe.Escape(u))
	}
	for _, e := range emptied {
		fmt.Fprintf(f.IO.ErrOut, "warning: the allow list of %s is now empty: nobody may call it\n", termsafe.Escape(e))
	}
	cmdutil.ReportEdit(f.IO, res)
	if err := cmdutil.RefreshKeyAuth(f, store, o.DryRun); err != nil {
		return err
	}
	mres, removed, err := aiplugin.RemoveModels(f.Context, store, f.Namespace(), o.DryRun, o.Name)
	if err != nil {
		return fmt.Errorf("consumer %q removed from key-auth, but its model list stays: %w", o.Name, err)
	}
	if removed {
		cmdutil.ReportEdit(f.IO, mres)
	}
	return nil
}
