// Package block holds the block commands: words that must never reach the model, kept in the
// request-block WasmPlugin.
package block

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// NewCmdBlock groups the block verbs.
func NewCmdBlock(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "block <command>",
		Short: "Manage blocked words: requests that contain them never reach the model",
		Long: `Blocked words live in the request-block WasmPlugin. A word is matched as a substring of the
raw request body (default), the URL path with its query (--in url), or any header name or value
(--in header). --route or --domain gives a rule that applies to one route or domain only.`,
	}
	cmd.AddCommand(NewCmdAdd(f, nil), NewCmdList(f, nil), NewCmdRemove(f, nil), NewCmdTest(f, nil))
	return cmd
}

func target(f *cmdutil.Factory, plugin string) wasmplugin.Target {
	return wasmplugin.Target{Namespace: f.Namespace(), Plugin: requestblock.Plugin, Resource: plugin}
}

// matchFlags are where a word is matched and in which scope, shared by add and remove.
type matchFlags struct {
	In     string
	Exact  bool
	Regex  bool
	Route  string
	Domain string
	Plugin string
	// AnyRoute takes --route even when nothing names the route (add only).
	AnyRoute bool
}

func (m *matchFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&m.In, "in", "body", "where to match: body, url or header")
	cmd.Flags().BoolVar(&m.Exact, "exact", false, "with --in url: the whole path and query must equal the word (needs a keyword URL rule beside it)")
	cmd.Flags().BoolVar(&m.Regex, "regex", false, "with --in url: the word is an RE2 regular expression (the C++ build matches it against the whole path, the Go build anywhere in it)")
	cmd.Flags().StringVar(&m.Route, "route", "", "a rule for this route only (an Ingress name as Higress names it)")
	cmd.Flags().StringVar(&m.Domain, "domain", "", "a rule for this domain only")
	cmd.Flags().StringVar(&m.Plugin, "plugin", "", "name of the request-block WasmPlugin (default: found automatically)")
}

// where turns the flags into the place a word is matched.
func (m *matchFlags) where() (requestblock.In, error) {
	if m.Exact && m.Regex {
		return "", cmdutil.FlagErrorf("--exact and --regex cannot be used together")
	}
	switch m.In {
	case "body", "header":
		if m.Exact || m.Regex {
			return "", cmdutil.FlagErrorf("--exact and --regex apply to --in url only")
		}
		return requestblock.In(m.In), nil
	case "url":
		switch {
		case m.Exact:
			return requestblock.InURLExact, nil
		case m.Regex:
			return requestblock.InURLRegex, nil
		}
		return requestblock.InURL, nil
	}
	return "", cmdutil.FlagErrorf("invalid --in %q: use body, url or header", m.In)
}

// checkNames refuses --route or --domain given with an empty name.
func (m *matchFlags) checkNames(cmd *cobra.Command) error {
	return checkScopeNames(cmd, m.Route, m.Domain)
}

func checkScopeNames(cmd *cobra.Command, route, domain string) error {
	for _, n := range []struct{ flag, value string }{{"route", route}, {"domain", domain}} {
		if cmd.Flags().Changed(n.flag) {
			if err := CheckName(n.flag, n.value); err != nil {
				return err
			}
		}
	}
	return nil
}

// withHosts looks --route up as route bind does (an unknown route is refused unless --any-route)
// and gives the scope the route's hosts, so domain rules on them count.
func (m *matchFlags) withHosts(f *cmdutil.Factory, store k8s.Store, s wasmplugin.Scope) (wasmplugin.Scope, error) {
	if s.Route == "" {
		return s, nil
	}
	bp, err := wasmplugin.Find(f.Context, store, target(f, m.Plugin))
	if err != nil {
		return s, err
	}
	route, err := routeOf(f, store, s.Route, m.AnyRoute, bp)
	s.Hosts, s.Services = route.Hosts, route.Services
	if bp != nil {
		s.Matcher = requestblock.BuildOf(bp.URL()).Matcher()
	}
	return s, err
}

func (m *matchFlags) scope() (wasmplugin.Scope, error) {
	s := wasmplugin.Scope{Route: m.Route, Domain: m.Domain}
	if err := s.Check(); err != nil {
		return s, cmdutil.FlagErrorf("%v", err)
	}
	return s, nil
}

// configAt reads the request-block config of a scope; ok is false when the scope has no rule.
func configAt(p wasmplugin.Plugin, s wasmplugin.Scope) (*requestblock.Config, wasmplugin.Rule, bool, error) {
	if err := p.CheckReadable(); err != nil {
		return nil, wasmplugin.Rule{}, false, err
	}
	raw := p.DefaultConfig()
	var rule wasmplugin.Rule
	where := "spec.defaultConfig"
	if !s.Global() {
		r, ok, err := s.Rule(p)
		if err != nil || !ok {
			return nil, r, false, err
		}
		rule, raw = r, r.EditConfig()
		where = fmt.Sprintf("spec.matchRules[%d].config", r.Index)
	}
	cfg, err := requestblock.Parse(raw)
	if err != nil {
		return nil, rule, false, fmt.Errorf("cannot read the request-block config of wasmplugin %q: %s.%w", p.Ref(), where, err)
	}
	return cfg, rule, true, nil
}

// ConfigFor is the config Higress applies in a scope, matching rules as the plugin's build does:
// the first enabled rule covering the route or domain, else the global config. A nil config means
// none applies; where then says why, otherwise it names the config ("global" or the rule's targets).
func ConfigFor(p wasmplugin.Plugin, s wasmplugin.Scope) (cfg *requestblock.Config, where string, err error) {
	s.Matcher = requestblock.BuildOf(p.URL()).Matcher()
	raw, where, index, err := s.ConfigOf(p)
	if err != nil || raw == nil {
		return nil, where, err
	}
	if cfg, err = requestblock.Parse(raw); err != nil {
		at := "spec.defaultConfig"
		if index >= 0 {
			at = fmt.Sprintf("spec.matchRules[%d].config", index)
		}
		return nil, "", fmt.Errorf("cannot read the request-block config of wasmplugin %q: %s.%w", p.Ref(), at, err)
	}
	return cfg, where, nil
}

// Entry is one blocked word as list -o json prints it.
type Entry struct {
	Word          string `json:"word"`
	In            string `json:"in"`
	Scope         string `json:"scope"`
	CaseSensitive bool   `json:"caseSensitive"`
	Enabled       bool   `json:"enabled"`
}

// Entries lists every blocked word of a request-block plugin: the global ones, then each route or
// domain rule's, in rule order.
func Entries(p wasmplugin.Plugin) ([]Entry, error) {
	out := []Entry{}
	build := requestblock.BuildOf(p.URL())
	add := func(raw map[string]any, scope string, enabled bool, where string) error {
		cfg, err := requestblock.Parse(raw)
		if err != nil {
			return fmt.Errorf("cannot read the request-block config of wasmplugin %q: %s.%w", p.Ref(), where, err)
		}
		cs, _ := cfg.CaseSensitive(build)
		for _, w := range cfg.Words() {
			out = append(out, Entry{Word: w.Text, In: string(w.In), Scope: scope, CaseSensitive: cs, Enabled: enabled})
		}
		return nil
	}
	if err := add(p.DefaultConfig(), "global", !p.GlobalDisabled(), "spec.defaultConfig"); err != nil {
		return nil, err
	}
	rules, err := p.Rules()
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		if err := add(r.Config(), r.Targets(), !r.Disabled(), fmt.Sprintf("spec.matchRules[%d].config", r.Index)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ownRuleTargets names the enabled rules, which carry their own request-block config: Higress
// applies a rule's config instead of the global one, so global words do not reach them.
func ownRuleTargets(p wasmplugin.Plugin) []string {
	rules, _ := wasmplugin.Enabled(p)
	var out []string
	for _, r := range rules {
		out = append(out, r.Targets())
	}
	sort.Strings(out)
	return out
}

func quoteWords(words []string) string { return strings.Join(quoteEach(words), ", ") }

func quoteEach(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = fmt.Sprintf("%q", w)
	}
	return out
}
