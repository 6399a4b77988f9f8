package action

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// ErrNotBlocked marks removing a word that is not blocked where asked.
var ErrNotBlocked = errors.New("not blocked")

// BlockWords blocks words in one scope of the request-block plugin, creating request-block-2.0.0
// on the built-in image when there is none. A route without a rule of its own gets one seeded from
// the config that governs it today, unless that config already blocks every word.
type BlockWords struct {
	Plugin string
	Scope  wasmplugin.Scope
	Words  []string
	In     requestblock.In
	// CaseSensitive is the case_sensitive to write; nil keeps the config's behaviour (its value,
	// else what the plugin's build assumes; a config with no words yet is case-insensitive).
	CaseSensitive *bool
	AnyRoute      bool
	DryRun        wasmplugin.DryRun
}

// WordsChanged is what BlockWords or UnblockWords did.
type WordsChanged struct {
	Plugin string `json:"plugin"`
	In     string `json:"in"`
	Scope  string `json:"scope"`
	// Changed are the words added (or removed); Present those already blocked (add), where
	// PresentWhere says through which config.
	Changed      []string `json:"changed"`
	Present      []string `json:"present"`
	PresentWhere string   `json:"-"`
	// CaseChanged counts the words already there that now match otherwise (case_sensitive changed).
	CaseChanged int `json:"caseChanged"`
	// StillBlocked are, per removed word, the other configs that still block it (remove).
	StillBlocked map[string][]string `json:"stillBlocked,omitempty"`
	Notes        []string            `json:"notes"`
	Warnings     []string            `json:"warnings"`
}

func newWordsChanged(p wasmplugin.Plugin, in requestblock.In, s wasmplugin.Scope) WordsChanged {
	return WordsChanged{Plugin: p.Ref(), In: string(in), Scope: s.String(), Changed: []string{}, Present: []string{}, Notes: []string{}, Warnings: []string{}}
}

// CheckWords refuses words that could never be written (empty, an invalid regex).
func (b BlockWords) CheckWords() error {
	for _, w := range b.Words {
		if err := requestblock.CheckWord(requestblock.Word{Text: w, In: b.In}); err != nil {
			return err
		}
	}
	return nil
}

// Run blocks the words.
func (b BlockWords) Run(ctx context.Context, env gateway.Env) (wasmplugin.Result, WordsChanged, error) {
	if err := b.CheckWords(); err != nil {
		return wasmplugin.Result{}, WordsChanged{}, err
	}
	scope, err := b.scope(ctx, env)
	if err != nil {
		return wasmplugin.Result{}, WordsChanged{}, err
	}
	opts := wasmplugin.EditOptions{Target: env.Block(b.Plugin), DryRun: b.DryRun, Create: wasmplugin.NewBuiltin}
	return wasmplugin.Edit(ctx, env.Store, opts, func(p wasmplugin.Plugin) (WordsChanged, error) {
		a := adder{BlockWords: b, scope: scope, out: newWordsChanged(p, b.In, scope)}
		err := a.apply(p)
		return a.out, err
	})
}

// scope looks the route up (an unknown route is refused unless AnyRoute) for its hosts.
func (b BlockWords) scope(ctx context.Context, env gateway.Env) (wasmplugin.Scope, error) {
	if b.Scope.Route == "" {
		return b.Scope, nil
	}
	ps, err := env.Load(ctx, gateway.Select{Block: b.Plugin})
	if err != nil {
		return b.Scope, err
	}
	r, err := env.LookUpRoute(ctx, ps, b.Scope.Route, b.AnyRoute)
	s := b.Scope
	s.Hosts, s.Services = r.Hosts, r.Services
	if ps.Block != nil {
		s.Matcher = requestblock.BuildOf(ps.Block.URL()).Matcher()
	}
	return s, err
}

// adder is one attempt of BlockWords on a plugin.
type adder struct {
	BlockWords
	scope wasmplugin.Scope
	out   WordsChanged
}

func (a *adder) apply(p wasmplugin.Plugin) error {
	build := requestblock.BuildOf(p.URL())
	a.scope.Matcher = build.Matcher()
	isNew := p.Obj.GetResourceVersion() == ""
	pl, cfg, err := a.open(p)
	if err != nil {
		return err
	}
	before, loaded := len(cfg.Words()), build.Loads(cfg)
	current, set := cfg.CaseSensitive(build)
	want := a.caseWanted(current, before)
	if err := a.addWords(cfg, build, want); err != nil {
		return err
	}
	if len(a.out.Changed) == 0 && want == current {
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
			a.out.Notes = append(a.out.Notes, fmt.Sprintf("the new rule for %s starts from the words of the config in force there (%s): Higress applies a route's or domain's rule instead of the global config", a.scope, pl.from))
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
	a.out.PresentWhere = a.scope.String()
	if pl.install && pl.from != "" {
		a.out.PresentWhere += ", through the config in force there: " + pl.from
	}
	return pl, cfg, nil
}

// caseWanted is the case_sensitive to write: the one asked, else the config's current value, and
// false for a config with no words yet.
func (a *adder) caseWanted(current bool, words int) bool {
	switch {
	case a.CaseSensitive != nil:
		return *a.CaseSensitive
	case words == 0:
		return false
	}
	return current
}

// addWords adds the words the plugin's build does not apply yet; the others are already blocked,
// whatever the other body spelling holds. Under case-insensitive matching, a word equal to one
// there but for case is already blocked too.
func (a *adder) addWords(cfg *requestblock.Config, build requestblock.Build, caseSensitive bool) error {
	for _, text := range a.Words {
		w := requestblock.Word{Text: text, In: a.In}
		if cfg.Blocks(w, build) || (!caseSensitive && blocksFolded(cfg, w, build)) {
			a.out.Present = append(a.out.Present, text)
			continue
		}
		if _, err := cfg.Add(w); err != nil {
			return err
		}
		a.out.Changed = append(a.out.Changed, text)
	}
	return nil
}

// blocksFolded reports a config whose build already applies w when both are folded to lower case
// as the build folds them (keyword rules only: exact and regex URL rules are compared as written).
func blocksFolded(cfg *requestblock.Config, w requestblock.Word, build requestblock.Build) bool {
	if w.In == requestblock.InURLExact || w.In == requestblock.InURLRegex {
		return false
	}
	fold := build.Fold()
	for _, have := range build.Read(cfg, w.In) {
		if fold(have) == fold(w.Text) {
			return true
		}
	}
	return false
}

// caseSensitivity writes case_sensitive and says what it changes.
func (a *adder) caseSensitivity(cfg *requestblock.Config, build requestblock.Build, want, current, set bool, before int) {
	cfg.SetCaseSensitive(want)
	switch {
	case before == 0:
	case want != current:
		a.out.CaseChanged = before
		a.out.Warnings = append(a.out.Warnings, fmt.Sprintf("case_sensitive is now %v in the config for %s: it applies to every word there, so %d word(s) already there now match %s", want, a.scope, before, caseName(want)))
	case !set:
		a.out.Notes = append(a.out.Notes, fmt.Sprintf("case_sensitive was not set; wrote %v, what the plugin's %s assumed", want, build))
	}
}

func caseName(sensitive bool) string {
	if sensitive {
		return "case-sensitively"
	}
	return "case-insensitively"
}

// checkURLRules refuses exact and regex URL rules the Go build would never check: it checks them
// only beside a keyword URL rule.
func (a *adder) checkURLRules(cfg *requestblock.Config, build requestblock.Build) error {
	if a.In != requestblock.InURLExact && a.In != requestblock.InURLRegex {
		return nil
	}
	if len(build.Read(cfg, requestblock.InURL)) == 0 {
		return fmt.Errorf("exact and regex URL rules are checked only when block_urls has an entry, and the config for %s has none: block a keyword in the URL first", a.scope)
	}
	if a.In != requestblock.InURLRegex {
		return nil
	}
	if bad := build.BadRegexes(cfg); len(bad) > 0 {
		return fmt.Errorf("regex %s does not compile once lower-cased (case_sensitive is false in the config for %s), so the %s would refuse to load the config: write it for lower-case text or match case-sensitively", gateway.QuoteNames(bad), a.scope, build)
	}
	for _, w := range a.out.Changed {
		a.out.Warnings = append(a.out.Warnings, build.RegexWarnings(cfg, w)...)
	}
	if build == requestblock.CPP {
		a.out.Notes = append(a.out.Notes, "the C++ build (Higress's built-in image) matches a regex against the whole path with its query (RE2 full match); the Go build matches it anywhere in it")
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
		a.out.Notes = append(a.out.Notes, "the global config is disabled (defaultConfigDisable: true): these words apply nowhere until it is enabled")
	case !a.scope.Global() && isNew:
		// An empty global config would make the plugin fail to load.
		spec["defaultConfigDisable"] = true
	}
	if others := gateway.OwnRuleTargets(p); a.scope.Global() && len(others) > 0 {
		a.out.Notes = append(a.out.Notes, fmt.Sprintf("these have rules of their own and do not get global words: %s; add the words to their routes or domains too", strings.Join(others, "; ")))
	}
}

// place is the config BlockWords edits.
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
	cfg, from, err := gateway.BlockConfigFor(p, s)
	if err != nil || cfg == nil {
		return place{raw: map[string]any{}, install: true}, err
	}
	return place{raw: runtime.DeepCopyJSON(cfg.Raw()), install: true, from: from}, nil
}

// UnblockWords stops blocking words in one scope, or in every config of the plugin (Everywhere).
// A config left with no keyword URL, header or body word would stop the plugin from loading: such
// a rule is removed, such a global config disabled.
type UnblockWords struct {
	Plugin     string
	Scope      wasmplugin.Scope
	Words      []string
	In         requestblock.In
	Everywhere bool
	DryRun     wasmplugin.DryRun
}

// Run removes the words.
func (u UnblockWords) Run(ctx context.Context, env gateway.Env) (wasmplugin.Result, WordsChanged, error) {
	opts := wasmplugin.EditOptions{Target: env.Block(u.Plugin), DryRun: u.DryRun}
	return wasmplugin.Edit(ctx, env.Store, opts, func(p wasmplugin.Plugin) (WordsChanged, error) {
		scopes := []wasmplugin.Scope{u.Scope}
		if u.Everywhere {
			scopes = everyScope(p)
		}
		out := newWordsChanged(p, u.In, u.Scope)
		if u.Everywhere {
			out.Scope = "everywhere"
		}
		build := requestblock.BuildOf(p.URL())
		removed := map[string]bool{}
		for _, s := range scopes {
			cfg, _, ok, err := gateway.BlockConfigAt(p, s)
			if err != nil {
				return out, err
			}
			if !ok {
				continue
			}
			hit := false
			for _, text := range u.Words {
				if cfg.Remove(requestblock.Word{Text: text, In: u.In}) {
					removed[text], hit = true, true
				}
			}
			if !hit {
				continue
			}
			if cs, set := cfg.CaseSensitive(build); !set {
				cfg.SetCaseSensitive(cs)
			}
			note, err := afterRemove(p, s, cfg, build)
			if err != nil {
				return out, err
			}
			if note != "" {
				out.Notes = append(out.Notes, note)
			}
		}
		var missing []string
		for _, text := range u.Words {
			if removed[text] {
				out.Changed = append(out.Changed, text)
			} else {
				missing = append(missing, text)
			}
		}
		if len(missing) > 0 {
			where := u.Scope.String()
			if u.Everywhere {
				where = "any config"
			}
			verb := "is"
			if len(missing) > 1 {
				verb = "are"
			}
			return out, gateway.Mark(ErrNotBlocked, "%s %s not blocked in %s (%s) in wasmplugin %q", gateway.QuoteNames(missing), verb, u.In, where, p.Ref())
		}
		out.StillBlocked = stillBlocked(p, u.In, out.Changed, build)
		return out, nil
	})
}

// everyScope is the global config and the scope each rule owns (rules naming one route or one
// domain; a rule naming several is skipped: it has no single scope to edit).
func everyScope(p wasmplugin.Plugin) []wasmplugin.Scope {
	out := []wasmplugin.Scope{{}}
	rules, _ := p.Rules()
	for _, r := range rules {
		ing, dom := r.Ingress(), r.Domain()
		switch {
		case len(ing) == 1 && len(dom) == 0:
			out = append(out, wasmplugin.Scope{Route: ing[0]})
		case len(dom) == 1 && len(ing) == 0:
			out = append(out, wasmplugin.Scope{Domain: dom[0]})
		}
	}
	return out
}

// stillBlocked lists, for each word, the enabled configs that still block it after the change.
func stillBlocked(p wasmplugin.Plugin, in requestblock.In, words []string, build requestblock.Build) map[string][]string {
	out := map[string][]string{}
	check := func(raw map[string]any, where string) {
		cfg, err := requestblock.Parse(raw)
		if err != nil {
			return
		}
		for _, w := range words {
			if cfg.Blocks(requestblock.Word{Text: w, In: in}, build) {
				out[w] = append(out[w], where)
			}
		}
	}
	if !p.GlobalDisabled() {
		check(p.DefaultConfig(), "global")
	}
	rules, _ := wasmplugin.Enabled(p)
	for _, r := range rules {
		check(r.Config(), r.Targets())
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// afterRemove keeps the plugin loadable once a word is gone: a config with no keyword URL, header
// or body word left (exact and regex URL rules alone do not load) is disabled when global and
// dropped when it is a rule. It returns what to tell the user.
func afterRemove(p wasmplugin.Plugin, scope wasmplugin.Scope, cfg *requestblock.Config, build requestblock.Build) (string, error) {
	var stranded []string
	for _, w := range cfg.Words() {
		if w.In == requestblock.InURLExact || w.In == requestblock.InURLRegex {
			stranded = append(stranded, w.Text)
		}
	}
	if build.Loads(cfg) {
		if len(stranded) > 0 && len(build.Read(cfg, requestblock.InURL)) == 0 {
			return fmt.Sprintf("the exact and regex URL rules of %s (%s) are checked only when block_urls has an entry, and none is left", scope, gateway.QuoteNames(stranded)), nil
		}
		return "", nil
	}
	left := "no words left"
	if len(stranded) > 0 {
		left = fmt.Sprintf("only exact or regex URL rules left (%s), which the %s does not load without a keyword, header or body rule", gateway.QuoteNames(stranded), build)
	}
	if scope.Global() {
		p.Obj.Object["spec"].(map[string]any)["defaultConfigDisable"] = true
		return fmt.Sprintf("the global config has %s: disabled it (defaultConfigDisable: true), as it would stop the plugin from loading", left), nil
	}
	return fmt.Sprintf("the rule for %s has %s: removed it", scope, left), scope.RemoveRule(p)
}
