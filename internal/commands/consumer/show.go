package consumer

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/access"
	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/block"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/secret"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// ShowOptions are consumer show's inputs.
type ShowOptions struct {
	F      *cmdutil.Factory
	Name   string
	Plugin string
	Output string
}

// Policy is a consumer's effective policy, as consumer show -o json prints it. Each section comes
// from one plugin; sections for later plugins (token limits) join it the same way.
type Policy struct {
	Name        string   `json:"name"`
	Plugin      string   `json:"plugin"`
	Credentials []string `json:"credentials"` // masked
	PresentedAs string   `json:"presentedAs"`
	Access      Access   `json:"access"`
	// BlockedWords are the words that stop this consumer's requests: for each route and domain it
	// may call, those of the request-block config Higress applies there, each config's word once.
	BlockedWords []Blocked `json:"blockedWords"`
	// Models are the models the bundled ai-proxy lets it call; null when it has no list (any
	// model), [] when it may call none.
	Models []string `json:"models"`
}

// Access is what key-auth lets the consumer call, decided route by route by the rule in force.
type Access struct {
	// Routes are the known routes (Ingresses, routes named in match rules) that need a key and
	// whose rule in force (else the global config) admits this consumer's.
	Routes []string `json:"routes"`
	// OpenRoutes are the known routes that need no key at all.
	OpenRoutes []string `json:"openRoutes"`
	// Domains are the domains named in key-auth rules whose rule in force admits its key.
	Domains []string `json:"domains"`
	// GlobalAuth: requests no rule covers need a key, and any consumer's opens them (global_auth
	// true, or unset while no enabled rule exists; the global allow list is not read).
	GlobalAuth bool `json:"globalAuth"`
}

// Blocked is a blocked word that applies to the consumer's requests.
type Blocked struct {
	block.Entry
	// On are the routes and domains it may call that get this word ("route gpt-4o").
	On []string `json:"on"`
}

// NewCmdShow builds consumer show.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	o := &ShowOptions{F: f}
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a consumer's effective policy: routes, domains, global auth, blocked words, keys",
		Long: `Show, on one screen, what a consumer may do, as the gateway decides it. For every known route
(Ingresses of class higress, routes named in match rules) the key-auth rule in force decides: the
first enabled rule naming the route or one of its hosts, else the global config (global_auth true,
or unset while no rule exists, needs any consumer's key). It lists the routes its key opens, the
routes that need no key, the domains whose rule admits it, the blocked words of the request-block
config each of those routes and domains gets, and its credentials, masked.`,
		Example:           "$ higress-ai consumer show alice\n$ higress-ai consumer show alice -o json",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			format, err := f.Flags.OutputFormat("table", "json", "yaml")
			if err != nil {
				return err
			}
			o.Output = format
			if runF != nil {
				return runF(o)
			}
			return showRun(o)
		},
	}
	cmd.Flags().StringVar(&o.Plugin, "plugin", "", "name of the key-auth WasmPlugin to read (default: found automatically)")
	return cmd
}

func showRun(o *ShowOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	p, err := wasmplugin.Find(f.Context, store, Target(f, o.Plugin))
	if err != nil {
		return err
	}
	if p == nil {
		return fmt.Errorf("consumer %q not found: no key-auth wasmplugin in namespace %q", o.Name, f.Namespace())
	}
	cfg, err := ParseConfig(*p)
	if err != nil {
		return err
	}
	c, ok := cfg.Consumer(o.Name)
	if !ok {
		return fmt.Errorf("consumer %q not found in wasmplugin %q", o.Name, p.Ref())
	}
	if n := keyauth.ReadNote(p.URL(), p.Ref()); n != "" {
		fmt.Fprintln(f.IO.ErrOut, "warning: "+n)
	}
	pol := Policy{Name: o.Name, Plugin: p.Ref(), PresentedAs: c.Where(), Credentials: []string{}}
	for _, cr := range c.Credentials() {
		pol.Credentials = append(pol.Credentials, secret.Mask(cr))
	}
	bp, err := wasmplugin.Find(f.Context, store, wasmplugin.Target{Namespace: f.Namespace(), Plugin: requestblock.Plugin})
	if err != nil {
		return err
	}
	ingresses, err := f.Routes(store)
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "warning: showing routes named in match rules only: %s\n", termsafe.Escape(err.Error()))
	}
	reach, err := pol.Access.gather(p, cfg, o.Name, wasmplugin.KnownRoutes(ingresses, p, bp))
	if err != nil {
		return err
	}
	if pol.BlockedWords, err = blockedWords(bp, reach); err != nil {
		return err
	}
	if pol.Models, _, err = aiplugin.Models(f.Context, store, f.Namespace(), o.Name); err != nil {
		return err
	}
	if o.Output != "table" {
		return cmdutil.PrintStructured(f.IO, o.Output, pol)
	}
	printPolicy(f.IO.Out, pol)
	return nil
}

// gather fills in what the key-auth plugin lets the consumer call, and returns those routes and
// domains as scopes.
func (a *Access) gather(p *wasmplugin.Plugin, cfg *keyauth.Config, name string, routes []k8s.Route) ([]wasmplugin.Scope, error) {
	a.Routes, a.OpenRoutes, a.Domains = []string{}, []string{}, []string{}
	var reach []wasmplugin.Scope
	for _, r := range routes {
		s := wasmplugin.RouteScope(r)
		g, err := access.GateOn(p, cfg, s)
		switch {
		case err != nil:
			return nil, err
		case !g.Admits(name):
			continue
		case g.Key:
			a.Routes = append(a.Routes, r.Name)
		default:
			a.OpenRoutes = append(a.OpenRoutes, r.Name)
		}
		reach = append(reach, s)
	}
	domains, err := wasmplugin.RuleDomains(*p, cfg.Build().Matcher())
	if err != nil {
		return nil, err
	}
	for _, d := range domains {
		s := wasmplugin.Scope{Domain: d}
		if g, err := access.GateOn(p, cfg, s); err != nil {
			return nil, err
		} else if g.Key && g.Admits(name) {
			a.Domains = append(a.Domains, d)
			reach = append(reach, s)
		}
	}
	g, err := access.GateOn(p, cfg, wasmplugin.Scope{})
	a.GlobalAuth = g.Key
	return reach, err
}

// blockedWords are the words of the request-block config each scope gets (bp nil: none installed),
// as the plugin's build applies them, each config's word once with the scopes that get it.
func blockedWords(bp *wasmplugin.Plugin, reach []wasmplugin.Scope) ([]Blocked, error) {
	out := []Blocked{}
	if bp == nil {
		return out, nil
	}
	build := requestblock.BuildOf(bp.URL())
	seen := map[block.Entry]int{}
	for _, s := range reach {
		cfg, where, err := block.ConfigFor(*bp, s)
		if err != nil {
			return nil, err
		}
		if cfg == nil {
			continue
		}
		cs, _ := cfg.CaseSensitive(build)
		for _, w := range cfg.Words() {
			if !cfg.Blocks(w, build) {
				continue
			}
			e := block.Entry{Word: w.Text, In: string(w.In), Scope: where, CaseSensitive: cs, Enabled: true}
			i, ok := seen[e]
			if !ok {
				i, seen[e] = len(out), len(out)
				out = append(out, Blocked{Entry: e})
			}
			out[i].On = append(out[i].On, s.String())
		}
	}
	return out, nil
}

func printPolicy(w io.Writer, pol Policy) {
	orNone := func(list []string) string {
		if len(list) == 0 {
			return "none"
		}
		return termsafe.Escape(strings.Join(list, ", "))
	}
	fmt.Fprintf(w, "Consumer:     %s (%s)\n", termsafe.Escape(pol.Name), termsafe.Escape(pol.Plugin))
	fmt.Fprintf(w, "Credentials:  %s, presented as %s\n", orNone(pol.Credentials), termsafe.Escape(pol.PresentedAs))
	fmt.Fprintf(w, "Routes:       %s\n", orNone(pol.Access.Routes))
	fmt.Fprintf(w, "Open routes:  %s\n", orNone(pol.Access.OpenRoutes))
	fmt.Fprintf(w, "Domains:      %s\n", orNone(pol.Access.Domains))
	if pol.Access.GlobalAuth {
		fmt.Fprintln(w, "Global auth:  on; its key opens every route no key-auth rule covers")
	} else {
		fmt.Fprintln(w, "Global auth:  off (routes without a key-auth rule need no key at all)")
	}
	switch {
	case pol.Models == nil:
		fmt.Fprintln(w, "Models:       any (no model list for it in the bundled ai-proxy)")
	case len(pol.Models) == 0:
		fmt.Fprintln(w, "Models:       none (an empty model list)")
	default:
		fmt.Fprintf(w, "Models:       %s\n", strings.Join(pol.Models, ", "))
	}
	if len(pol.BlockedWords) == 0 {
		fmt.Fprintln(w, "Blocked:      none")
		return
	}
	fmt.Fprintln(w, "Blocked:")
	for _, e := range pol.BlockedWords {
		where := e.Scope
		if len(e.On) != 1 || e.On[0] != e.Scope {
			where += " (on " + strings.Join(e.On, "; ") + ")"
		}
		fmt.Fprintf(w, "  %-24q in %-9s %s\n", e.Word, e.In, termsafe.Escape(where))
	}
}
