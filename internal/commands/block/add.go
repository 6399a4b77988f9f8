package block

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// AddOptions are block add's inputs.
type AddOptions struct {
	F             *cmdutil.Factory
	Words         []string
	Match         matchFlags
	CaseSensitive *bool // nil: keep the config's (a new config is case-insensitive)
	DryRun        wasmplugin.DryRun
}

// NewCmdAdd builds block add.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	o := &AddOptions{F: f}
	var caseSensitive bool
	cmd := &cobra.Command{
		Use:   "add WORD...",
		Short: "Block requests that contain a word",
		Long: `Block requests that contain any of the words, in the request-block WasmPlugin (any instance
found by image or name label; else request-block-2.0.0 is created on Higress's built-in image, as
the console would). Adding a word that is already blocked changes nothing and says so.

Matching is on the raw request: a body word is a substring of the JSON the client sent, so a word
the client wrote with JSON escapes (\u0070assword) is not matched; "block test" shows such cases.
A new config matches case-insensitively unless --case-sensitive.`,
		Example: `$ higress-ai block add password "api_key"
$ higress-ai block add internal.corp --in header
$ higress-ai block add '^/v1/admin' --in url --regex
$ higress-ai block add secret-project --route gpt-4o`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Words = args
			if cmd.Flags().Changed("case-sensitive") {
				o.CaseSensitive = &caseSensitive
			}
			dry, err := f.Flags.DryRunMode()
			if err != nil {
				return err
			}
			o.DryRun = dry
			if runF != nil {
				return runF(o)
			}
			return addRun(o)
		},
	}
	o.Match.bind(cmd)
	cmd.Flags().BoolVar(&caseSensitive, "case-sensitive", false, "match case-sensitively (written explicitly either way)")
	return cmd
}

func addRun(o *AddOptions) error {
	f := o.F
	in, err := o.Match.where()
	if err != nil {
		return err
	}
	scope, err := o.Match.scope()
	if err != nil {
		return err
	}
	words := make([]requestblock.Word, len(o.Words))
	for i, w := range o.Words {
		words[i] = requestblock.Word{Text: w, In: in}
		if err := requestblock.CheckWord(words[i]); err != nil {
			return err
		}
	}
	store, err := f.Store()
	if err != nil {
		return err
	}
	var added, present, notes []string
	res, err := wasmplugin.Edit(f.Context, store, target(f, o.Match.Plugin), true, o.DryRun, func(p wasmplugin.Plugin) error {
		added, present, notes = nil, nil, nil
		isNew := p.Obj.GetResourceVersion() == ""
		raw := p.DefaultConfig()
		fresh := isNew
		if !scope.Global() {
			// A route's rule replaces the global config there: start it from the global words so the
			// route keeps them.
			seed := map[string]any{}
			if !p.GlobalDisabled() {
				seed = runtime.DeepCopyJSON(p.DefaultConfig())
			}
			rule, created, err := scope.EnsureRule(p, seed)
			if err != nil {
				return err
			}
			raw = rule.EditConfig()
			if created {
				fresh = len(seed) == 0
				if len(seed) > 0 {
					notes = append(notes, fmt.Sprintf("the new rule for %s starts from the global words: Higress applies a route's or domain's rule instead of the global config", scope))
				}
			}
		}
		cfg, err := requestblock.Parse(raw)
		if err != nil {
			return fmt.Errorf("cannot read the request-block config of wasmplugin %q: %w", p.Ref(), err)
		}
		wasEmpty := cfg.Empty()
		switch cs, set := cfg.CaseSensitive(requestblock.BuildOf(p.URL())); {
		case o.CaseSensitive != nil:
			cfg.SetCaseSensitive(*o.CaseSensitive)
		case fresh || (wasEmpty && !set):
			cfg.SetCaseSensitive(false)
		case !set:
			// The two plugin builds disagree on the default; keep what the built-in (C++) one did.
			cfg.SetCaseSensitive(cs)
			notes = append(notes, "case_sensitive was not set; wrote true, which is what Higress's built-in plugin assumed")
		}
		for _, w := range words {
			ok, err := cfg.Add(w)
			if err != nil {
				return err
			}
			if ok {
				added = append(added, w.Text)
			} else {
				present = append(present, w.Text)
			}
		}
		if len(added) == 0 {
			return nil
		}
		if (in == requestblock.InURLExact || in == requestblock.InURLRegex) && !hasURLKeyword(cfg) {
			notes = append(notes, "exact and regex URL rules are checked only when at least one keyword URL rule (block add WORD --in url) exists in the same config")
		}
		spec := p.Obj.Object["spec"].(map[string]any)
		switch {
		case scope.Global() && p.GlobalDisabled() && wasEmpty:
			spec["defaultConfigDisable"] = false
		case scope.Global() && p.GlobalDisabled():
			notes = append(notes, "the global config is disabled (defaultConfigDisable: true): these words apply nowhere until it is enabled")
		case !scope.Global() && isNew:
			// An empty global config would make the plugin fail to load.
			spec["defaultConfigDisable"] = true
		}
		if others := ownRuleTargets(p); scope.Global() && len(others) > 0 {
			notes = append(notes, fmt.Sprintf("these have rules of their own and do not get global words: %s; use --route or --domain to add them there", strings.Join(others, "; ")))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(f.IO.ErrOut, "note: "+n)
	}
	if len(present) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "already blocked in %s (%s): %s\n", in, scope, quoteWords(present))
	}
	if !res.Changed {
		fmt.Fprintln(f.IO.ErrOut, "nothing changed")
		return nil
	}
	cmdutil.ReportEdit(f.IO, res)
	return nil
}

func hasURLKeyword(cfg *requestblock.Config) bool {
	for _, w := range cfg.Words() {
		if w.In == requestblock.InURL {
			return true
		}
	}
	return false
}
