package consumer

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/block"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/secret"
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
	// BlockedWords are the words that stop this consumer's requests: the global ones and those of
	// the routes and domains it may call.
	BlockedWords []block.Entry `json:"blockedWords"`
}

// Access is what key-auth lets the consumer call.
type Access struct {
	Routes  []string `json:"routes"`  // match rules naming routes whose allow list names it
	Domains []string `json:"domains"` // the same for domains
	// GlobalAuth is global_auth: routes without a rule of their own need a key.
	GlobalAuth bool `json:"globalAuth"`
	// GlobalAllowed: with global_auth, whether its key opens the routes without a rule of their own
	// (the global allow list is empty or names it).
	GlobalAllowed bool `json:"globalAllowed"`
}

// NewCmdShow builds consumer show.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	o := &ShowOptions{F: f}
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a consumer's effective policy: routes, domains, global auth, blocked words, keys",
		Long: `Show, on one screen, what a consumer may do: the routes and domains whose allow list names it,
whether its key opens routes that need a key but have no rule of their own (global_auth), the
blocked words that apply to its requests, and its credentials, masked.`,
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
	pol := Policy{Name: o.Name, Plugin: p.Ref(), PresentedAs: c.Where(), Credentials: []string{}, BlockedWords: []block.Entry{},
		Access: Access{Routes: []string{}, Domains: []string{}}}
	for _, cr := range c.Credentials() {
		pol.Credentials = append(pol.Credentials, secret.Mask(cr))
	}
	rules, err := AllowedOn(*p, o.Name)
	if err != nil {
		return err
	}
	var scopes []string
	for _, r := range rules {
		if r.Disabled() {
			continue
		}
		pol.Access.Routes = append(pol.Access.Routes, r.Ingress()...)
		pol.Access.Domains = append(pol.Access.Domains, r.Domain()...)
		scopes = append(scopes, r.Targets())
	}
	if g := cfg.GlobalAuth(); g != nil && *g && !p.GlobalDisabled() {
		pol.Access.GlobalAuth = true
		names, has := keyauth.Allow(p.DefaultConfig())
		pol.Access.GlobalAllowed = !has || len(names) == 0 || contains(names, o.Name)
	}

	bp, err := wasmplugin.Find(f.Context, store, wasmplugin.Target{Namespace: f.Namespace(), Plugin: requestblock.Plugin})
	if err != nil {
		return err
	}
	if bp != nil {
		entries, err := block.Entries(*bp)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.Enabled && (e.Scope == "global" || contains(scopes, e.Scope)) {
				pol.BlockedWords = append(pol.BlockedWords, e)
			}
		}
	}

	if o.Output != "table" {
		return cmdutil.PrintStructured(f.IO, o.Output, pol)
	}
	printPolicy(f.IO.Out, pol)
	return nil
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// Gate is what key-auth asks of a request to a route or domain.
type Gate struct {
	Key bool // a valid key is needed
	// Allow names the consumers whose key opens it; nil: any consumer's.
	Allow []string
	// Rule names the match rule that decides ("route a, b"); "" when the global config does.
	Rule string
}

// Admits reports whether the consumer may call: no key is needed, or its key opens it.
func (g Gate) Admits(name string) bool {
	return !g.Key || g.Allow == nil || slices.Contains(g.Allow, name)
}

// GateOn is what the key-auth plugin p (nil: none installed) does on a scope, as Higress's C++
// key-auth decides (plugins/wasm-cpp/common/route_rule_matcher.h): the first enabled match rule
// covering it, with its allow list; else the global config, which needs a key when global_auth is
// true, or when it is unset and no enabled rule exists at all. A global allow list is not read.
func GateOn(p *wasmplugin.Plugin, cfg *keyauth.Config, s wasmplugin.Scope) (Gate, error) {
	if p == nil {
		return Gate{}, nil
	}
	global := cfg.GlobalAuth()
	r, ok, err := s.Effective(*p)
	switch {
	case err != nil:
		return Gate{}, err
	case ok:
		if names, has := keyauth.Allow(r.Config()); has {
			return Gate{Key: true, Allow: append([]string{}, names...), Rule: r.Targets()}, nil
		}
		// A rule with key-auth settings of its own and no allow list: any of its consumers, unless
		// global_auth is false, which then lets every request through.
		return Gate{Key: global == nil || *global, Rule: r.Targets()}, nil
	case p.GlobalDisabled():
		return Gate{}, nil
	case global != nil:
		return Gate{Key: *global}, nil
	}
	enabled, err := wasmplugin.Enabled(*p)
	return Gate{Key: len(enabled) == 0}, err
}

func printPolicy(w io.Writer, pol Policy) {
	orNone := func(list []string) string {
		if len(list) == 0 {
			return "none"
		}
		return strings.Join(list, ", ")
	}
	fmt.Fprintf(w, "Consumer:     %s (%s)\n", pol.Name, pol.Plugin)
	fmt.Fprintf(w, "Credentials:  %s, presented as %s\n", orNone(pol.Credentials), pol.PresentedAs)
	fmt.Fprintf(w, "Routes:       %s\n", orNone(pol.Access.Routes))
	fmt.Fprintf(w, "Domains:      %s\n", orNone(pol.Access.Domains))
	switch {
	case !pol.Access.GlobalAuth:
		fmt.Fprintln(w, "Global auth:  off (routes without a key-auth rule need no key at all)")
	case pol.Access.GlobalAllowed:
		fmt.Fprintln(w, "Global auth:  on; its key opens every route without a rule of its own")
	default:
		fmt.Fprintln(w, "Global auth:  on; the global allow list does not name it, so routes without a rule of their own refuse it")
	}
	if len(pol.BlockedWords) == 0 {
		fmt.Fprintln(w, "Blocked:      none")
		return
	}
	fmt.Fprintln(w, "Blocked:")
	for _, e := range pol.BlockedWords {
		fmt.Fprintf(w, "  %-24q in %-9s %s\n", e.Word, e.In, e.Scope)
	}
}
