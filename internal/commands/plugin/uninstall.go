package plugin

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// UninstallOptions are plugin uninstall's inputs.
type UninstallOptions struct {
	F      *cmdutil.Factory
	Yes    bool
	DryRun wasmplugin.DryRun
}

// NewCmdUninstall builds plugin uninstall.
func NewCmdUninstall(f *cmdutil.Factory, runF func(*UninstallOptions) error) *cobra.Command {
	o := &UninstallOptions{F: f}
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Delete the bundled ai-proxy WasmPlugin, its providers and route bindings",
		Long: `Delete the bundled ai-proxy's WasmPlugin: its providers, their keys and every route binding go
with it, and the routes it served reach their upstream without it. Asks on a terminal and needs
--yes otherwise. The console's ai-proxy.internal and every other plugin stay as they are.`,
		Example: "$ higress-ai plugin uninstall\n$ higress-ai plugin uninstall --yes",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.DryRun, err = f.Flags.DryRunMode(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return uninstallRun(o)
		},
	}
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "do not ask")
	return cmd
}

func uninstallRun(o *UninstallOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	p, err := aiplugin.Find(f.Context, store, f.Namespace())
	if err != nil {
		return err
	}
	if p == nil {
		return aiplugin.ErrNotInstalled
	}
	if !o.Yes && o.DryRun == wasmplugin.DryRunNone {
		if !f.IO.StdinTTY || !f.IO.StderrTTY {
			return fmt.Errorf("uninstalling deletes wasmplugin %q with its providers and route bindings: pass --yes to do it", p.Ref())
		}
		ok, err := f.IO.Confirm(fmt.Sprintf("Delete wasmplugin %q with its providers and route bindings?", p.Ref()))
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.ErrCancel
		}
	}
	gone, err := aiplugin.Uninstall(f.Context, store, f.Namespace(), o.DryRun)
	if err != nil {
		return err
	}
	line := k8s.ResourceName + "/" + gone.Name() + " deleted"
	if o.DryRun != wasmplugin.DryRunNone {
		line += " (" + string(o.DryRun) + " dry run)"
	}
	fmt.Fprintln(f.IO.ErrOut, line)
	return nil
}
