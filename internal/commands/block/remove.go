package block

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/termsafe"
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

A config left with no keyword URL, header or body word would stop the plugin from loading (exact
and regex URL rules do not count): such a route or domain rule is removed, and such a global
config is disabled (defaultConfigDisable: true). case_sensitive is written explicitly, with the
value the plugin's build applies today.`,
		Example: "$ higress-ai block remove password\n$ higress-ai block remove secret-project --route gpt-4o",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Word = args[0]
			if err := o.Match.checkNames(cmd); err != nil {
				return err
			}
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
		build := requestblock.BuildOf(p.URL())
		if cs, set := cfg.CaseSensitive(build); !set {
			cfg.SetCaseSensitive(cs)
		}
		note, err = afterRemove(p, scope, cfg, build)
		return err
	})
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintln(f.IO.ErrOut, "note: "+termsafe.Escape(note))
	}
	cmdutil.ReportEdit(f.IO, res)
	return nil
}

// afterRemove keeps the plugin loadable once a word is gone: a config the build would refuse to
// load is disabled when global and dropped when it is a rule. It returns what to tell the user.
func afterRemove(p wasmplugin.Plugin, scope wasmplugin.Scope, cfg *requestblock.Config, build requestblock.Build) (string, error) {
	var stranded []string
	for _, w := range cfg.Words() {
		if w.In == requestblock.InURLExact || w.In == requestblock.InURLRegex {
			stranded = append(stranded, w.Text)
		}
	}
	if build.Loads(cfg) {
		if len(stranded) > 0 && len(build.Read(cfg, requestblock.InURL)) == 0 {
			return fmt.Sprintf("the exact and regex URL rules of %s (%s) are checked only when block_urls has an entry, and none is left", scope, quoteWords(stranded)), nil
		}
		return "", nil
	}
	left := "no words left"
	if len(stranded) > 0 {
		left = fmt.Sprintf("only exact or regex URL rules left (%s), which the %s does not load without a keyword, header or body rule", quoteWords(stranded), build)
	}
	if scope.Global() {
		p.Obj.Object["spec"].(map[string]any)["defaultConfigDisable"] = true
		return fmt.Sprintf("the global config has %s: disabled it (defaultConfigDisable: true), as it would stop the plugin from loading", left), nil
	}
	return fmt.Sprintf("the rule for %s has %s: removed it", scope, left), scope.RemoveRule(p)
}
