package block

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// AddOptions are block add's inputs.
type AddOptions struct {
	F     *cmdutil.Factory
	Words []string
	Match matchFlags
	// CaseSensitive is --case-sensitive when given; nil keeps the config's behaviour (written
	// explicitly: its value, else what the plugin's build assumes; a config with no words yet is
	// case-insensitive).
	CaseSensitive *bool
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
the console would). Adding a word that is already blocked changes nothing and says so; so does
adding to a route without a rule of its own a word the config governing it already blocks.

Matching is on the raw request: a body word is a substring of the JSON the client sent, so a word
the client wrote with JSON escapes (\u0070assword) is not matched; "block test" shows such cases.
Body words are written under block_bodies, which both builds and the console read (words found
under the older block_bodys are moved there). --exact and --regex need a keyword URL rule beside
them: neither build checks them otherwise.

case_sensitive applies to every word of a config and is always written: without --case-sensitive
the config keeps how it matches today (a config with no words yet is case-insensitive); with it,
every word of that config follows, and the command warns when that changes existing words.`,
		Example: `$ higress-ai block add password "api_key"
$ higress-ai block add internal.corp --in header
$ higress-ai block add /v1/admin --in url
$ higress-ai block add secret-project --route gpt-4o`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Words = args
			if err := o.Match.checkNames(cmd); err != nil {
				return err
			}
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
	cmd.Flags().BoolVar(&o.Match.AnyRoute, "any-route", false, "with --route: even when no Ingress or match rule names the route")
	cmd.Flags().BoolVar(&caseSensitive, "case-sensitive", false, "match every word of the config case-sensitively (default: keep the config's behaviour)")
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
	if scope, err = o.Match.withHosts(f, store, scope); err != nil {
		return err
	}
	var a *adder
	res, err := wasmplugin.Edit(f.Context, store, target(f, o.Match.Plugin), true, o.DryRun, func(p wasmplugin.Plugin) error {
		a = &adder{o: o, in: in, scope: scope, words: words}
		return a.apply(p)
	})
	if err != nil {
		return err
	}
	a.report(f.IO)
	if !res.Changed {
		fmt.Fprintln(f.IO.ErrOut, "nothing changed")
		return nil
	}
	cmdutil.ReportEdit(f.IO, res)
	return nil
}

// adder is one attempt of block add on a plugin, and what it has to say.
type adder struct {
	o     *AddOptions
	in    requestblock.In
	scope wasmplugin.Scope
	words []requestblock.Word

	added, present  []string
	notes, warnings []string
	presentWhere    string // where the present words are blocked, for the message
}

func (a *adder) apply(p wasmplugin.Plugin) error {
	build := requestblock.BuildOf(p.URL())
	isNew := p.Obj.GetResourceVersion() == ""
	pl, cfg, err := a.open(p)
	if err != nil {
		return err
	}
	before, loaded := len(cfg.Words()), build.Loads(cfg)
	current, set := cfg.CaseSensitive(build)
	want := a.caseWanted(current, before)
	if err := a.addWords(cfg, build); err != nil {
		return err
	}
	if len(a.added) == 0 && want == current {
		// Nothing to do: no write, and a route without a rule of its own keeps none, so it goes on
		// getting the words of the config that governs it.
		return nil
	}
	a.caseSensitivity(cfg, build, want, current, set, before)
	if err := a.checkURLRules(cfg, build); err != nil {
		return err
	}
	if pl.install {
		if _, _, err := a.scope.EnsureRule(p, pl.raw); err != nil {
			return err
		}
		if pl.from != "" {
			a.notes = append(a.notes, fmt.Sprintf("the new rule for %s starts from the words of the config in force there (%s): Higress applies a route's or domain's rule instead of the global config", a.scope, pl.from))
		}
	}
	a.global(p, isNew, !loaded && build.Loads(cfg))
	return nil
}

// open reads the config the add edits.
func (a *adder) open(p wasmplugin.Plugin) (place, *requestblock.Config, error) {
	pl, err := placeOf(p, a.scope)
	if err != nil {
		return pl, nil, err
	}
	cfg, err := requestblock.Parse(pl.raw)
	if err != nil {
		return pl, nil, fmt.Errorf("cannot read the request-block config of wasmplugin %q: %w", p.Ref(), err)
	}
	a.presentWhere = a.scope.String()
	if pl.install && pl.from != "" {
		a.presentWhere += ", through the config in force there: " + pl.from
	}
	return pl, cfg, nil
}

// caseWanted is the case_sensitive to write: --case-sensitive, else the config's current value,
// and false for a config with no words yet.
func (a *adder) caseWanted(current bool, words int) bool {
	switch {
	case a.o.CaseSensitive != nil:
		return *a.o.CaseSensitive
	case words == 0:
		return false
	}
	return current
}

// addWords adds the words the plugin's build does not apply yet; the others are already blocked,
// whatever the other body spelling holds.
func (a *adder) addWords(cfg *requestblock.Config, build requestblock.Build) error {
	for _, w := range a.words {
		if cfg.Blocks(w, build) {
			a.present = append(a.present, w.Text)
			continue
		}
		if _, err := cfg.Add(w); err != nil {
			return err
		}
		a.added = append(a.added, w.Text)
	}
	return nil
}

// caseSensitivity writes case_sensitive and says what it changes.
func (a *adder) caseSensitivity(cfg *requestblock.Config, build requestblock.Build, want, current, set bool, before int) {
	cfg.SetCaseSensitive(want)
	switch {
	case before == 0:
	case want != current:
		a.warnings = append(a.warnings, fmt.Sprintf("case_sensitive is now %v in the config for %s: it applies to every word there, so %d word(s) already there now match %s", want, a.scope, before, caseName(want)))
	case !set:
		a.notes = append(a.notes, fmt.Sprintf("case_sensitive was not set; wrote %v, what the plugin's %s assumed", want, build))
	}
}

func caseName(sensitive bool) string {
	if sensitive {
		return "case-sensitively"
	}
	return "case-insensitively"
}

// checkURLRules refuses exact and regex URL rules that neither build would check (both check them
// only when block_urls has an entry) and regexes that would stop the plugin loading once it
// lower-cases them; it warns where lower-casing changes what a new regex means.
func (a *adder) checkURLRules(cfg *requestblock.Config, build requestblock.Build) error {
	if a.in != requestblock.InURLExact && a.in != requestblock.InURLRegex {
		return nil
	}
	if len(build.Read(cfg, requestblock.InURL)) == 0 {
		return fmt.Errorf("exact and regex URL rules are checked only when block_urls has an entry, and the config for %s has none: add one first (higress-ai block add WORD --in url)", a.scope)
	}
	if a.in != requestblock.InURLRegex {
		return nil
	}
	if bad := build.BadRegexes(cfg); len(bad) > 0 {
		return fmt.Errorf("regex %s does not compile once lower-cased (case_sensitive is false in the config for %s), so the %s would refuse to load the config: write it for lower-case text or use --case-sensitive", quoteWords(bad), a.scope, build)
	}
	for _, w := range a.added {
		a.warnings = append(a.warnings, build.RegexWarnings(cfg, w)...)
	}
	if build == requestblock.CPP {
		a.notes = append(a.notes, "the C++ build (Higress's built-in image) matches a regex against the whole path with its query (RE2 full match); the Go build matches it anywhere in it")
	}
	return nil
}

// global keeps the global config loadable, turns it back on when it was off for lack of words
// (loads: the edit gave it its first), and says where global words do not reach.
func (a *adder) global(p wasmplugin.Plugin, isNew, loads bool) {
	spec := p.Obj.Object["spec"].(map[string]any)
	switch {
	case a.scope.Global() && p.GlobalDisabled() && loads:
		spec["defaultConfigDisable"] = false
	case a.scope.Global() && p.GlobalDisabled():
		a.notes = append(a.notes, "the global config is disabled (defaultConfigDisable: true): these words apply nowhere until it is enabled")
	case !a.scope.Global() && isNew:
		// An empty global config would make the plugin fail to load.
		spec["defaultConfigDisable"] = true
	}
	if others := ownRuleTargets(p); a.scope.Global() && len(others) > 0 {
		a.notes = append(a.notes, fmt.Sprintf("these have rules of their own and do not get global words: %s; use --route or --domain to add them there", strings.Join(others, "; ")))
	}
}

func (a *adder) report(s *cmdutil.IOStreams) {
	for _, n := range a.notes {
		fmt.Fprintln(s.ErrOut, "note: "+termsafe.Escape(n))
	}
	for _, w := range a.warnings {
		fmt.Fprintln(s.ErrOut, "warning: "+termsafe.Escape(w))
	}
	if len(a.present) > 0 {
		fmt.Fprintf(s.ErrOut, "already blocked in %s (%s): %s\n", a.in, termsafe.Escape(a.presentWhere), quoteWords(a.present))
	}
}

// place is the config block add edits.
type place struct {
	raw map[string]any
	// install: the scope has no rule of its own; raw is a new one, added to the plugin only if the
	// edit changes something.
	install bool
	from    string // the rule in force that raw was seeded from ("global", a rule's targets)
}

// placeOf is the config of a scope: the global config, the scope's own rule, or a new rule seeded
// from the config that governs the scope today, so the route or domain keeps every word it gets.
func placeOf(p wasmplugin.Plugin, s wasmplugin.Scope) (place, error) {
	if err := p.CheckReadable(); err != nil {
		return place{}, err
	}
	if s.Global() {
		return place{raw: p.DefaultConfig()}, nil
	}
	if r, ok, err := s.Rule(p); err != nil || ok {
		return place{raw: r.EditConfig()}, err
	}
	cfg, from, err := ConfigFor(p, s)
	if err != nil || cfg == nil {
		return place{raw: map[string]any{}, install: true}, err
	}
	return place{raw: runtime.DeepCopyJSON(cfg.Raw()), install: true, from: from}, nil
}
