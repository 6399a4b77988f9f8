package block

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// RemoveOptions are block remove's inputs.
type RemoveOptions struct {
	F      *cmdutil.Factory
	Word   string
	Match  matchFlags
	DryRun wasmplugin.DryRun
}

// NewCmdRemove builds block remove.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	o := &RemoveOptions{F: f}
	cmd := &cobra.Command{
		Use:     "remove WORD",
		Short:   "Stop blocking a word",
		Aliases: []string{"rm"},
		Long: `Remove a blocked word, matched where --in says and in the scope --route or --domain says.

A config left with no words would stop the plugin from loading: an emptied route or domain rule is
removed, and an emptied global config is disabled (defaultConfigDisable: true).`,
		Example: "$ higress-ai block remove password\n$ higress-ai block remove secret-project --route gpt-4o",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Word = args[0]
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
	o.Match.bind(cmd)
	return cmd
}

func removeRun(o *RemoveOptions) error {
	f := o.F
	in, err := o.Match.where()
	if err != nil {
		return err
	}
	scope, err := o.Match.scope()
	if err != nil {
		return err
	}
	word := requestblock.Word{Text: o.Word, In: in}
	store, err := f.Store()
	if err != nil {
		return err
	}
	var note string
	res, err := wasmplugin.Edit(f.Context, store, target(f, o.Match.Plugin), false, o.DryRun, func(p wasmplugin.Plugin) error {
		note = ""
		cfg, _, ok, err := configAt(p, scope)
		if err != nil {
			return err
		}
		if !ok || !cfg.Remove(word) {
			return fmt.Errorf("%q is not blocked in %s (%s) in wasmplugin %q", o.Word, in, scope, p.Ref())
		}
		if !cfg.Empty() {
			return nil
		}
		if scope.Global() {
			p.Obj.Object["spec"].(map[string]any)["defaultConfigDisable"] = true
			note = "the global config has no words left: disabled it (defaultConfigDisable: true), as an empty one would stop the plugin from loading"
			return nil
		}
		note = fmt.Sprintf("the rule for %s has no words left: removed it", scope)
		return scope.RemoveRule(p)
	})
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintln(f.IO.ErrOut, "note: "+note)
	}
	cmdutil.ReportEdit(f.IO, res)
	return nil
}
