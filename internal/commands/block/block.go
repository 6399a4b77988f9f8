// Package block holds the block commands: words that must never reach the model, kept in the
// request-block WasmPlugin.
package block

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/termsafe"
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

// matchFlags are where a word is matched and in which scope, shared by add and remove.
type matchFlags struct {
	In     string
	Exact  bool
	Regex  bool
	Route  string
	Domain string
	Plugin string
}

func (m *matchFlags) bind(f *cmdutil.Factory, cmd *cobra.Command) {
	cmd.Flags().StringVar(&m.In, "in", "body", "where to match: body, url or header")
	_ = cmd.RegisterFlagCompletionFunc("in", cmdutil.FixedValues("body", "url", "header"))
	cmd.Flags().BoolVar(&m.Exact, "exact", false, "with --in url: the whole path and query must equal the word (needs a keyword URL rule beside it)")
	cmd.Flags().BoolVar(&m.Regex, "regex", false, "with --in url: the word is an RE2 regular expression (the C++ build matches it against the whole path, the Go build anywhere in it)")
	cmdutil.Exclusive(cmd, "exact", "regex")
	scopeFlags(f, cmd, &m.Route, &m.Domain, &m.Plugin)
}

// scopeFlags binds --route, --domain and --plugin, completed from the store.
func scopeFlags(f *cmdutil.Factory, cmd *cobra.Command, route, domain, plugin *string) {
	cmd.Flags().StringVar(route, "route", "", "a rule for this route only (an Ingress name as Higress names it)")
	cmd.Flags().StringVar(domain, "domain", "", "a rule for this domain only")
	cmdutil.Exclusive(cmd, "route", "domain")
	cmd.Flags().StringVar(plugin, "plugin", "", "name of the request-block WasmPlugin (default: found automatically)")
	f.CompleteFlag(cmd, "route", cmdutil.RouteNames)
	f.CompleteFlag(cmd, "domain", cmdutil.DomainNames)
	f.CompleteFlag(cmd, "plugin", cmdutil.PluginNames(requestblock.Plugin))
}

// where turns the flags into the place a word is matched.
func (m *matchFlags) where() (requestblock.In, error) {
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

// scope is the scope the flags name, refusing --route or --domain given with an empty name.
func (m *matchFlags) scope(cmd *cobra.Command) (wasmplugin.Scope, error) {
	return scopeOf(cmd, m.Route, m.Domain)
}

func scopeOf(cmd *cobra.Command, route, domain string) (wasmplugin.Scope, error) {
	for _, n := range []struct{ flag, value string }{{"route", route}, {"domain", domain}} {
		if cmd.Flags().Changed(n.flag) && strings.TrimSpace(n.value) == "" {
			return wasmplugin.Scope{}, cmdutil.FlagErrorf("empty %s name", n.flag)
		}
		if err := termsafe.Check(n.flag+" name", n.value); err != nil {
			return wasmplugin.Scope{}, err
		}
	}
	return wasmplugin.Scope{Route: route, Domain: domain}, nil
}

func quoteWords(words []string) string { return cmdutil.Quote(words) }
