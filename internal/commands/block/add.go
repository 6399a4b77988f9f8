package block

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// AddOptions are block add's inputs.
type AddOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output

	Words    []string
	Match    matchFlags
	AnyRoute bool
	// CaseSensitive is --case-sensitive when given; nil keeps the config's behaviour (written
	// explicitly: its value, else what the plugin's build assumes; a config with no words yet is
	// case-insensitive).
	CaseSensitive *bool
	// Yes confirms changing how the words already there match (--case-sensitive).
	Yes    bool
	DryRun wasmplugin.DryRun
}

// NewCmdAdd builds block add.
func NewCmdAdd(f *cmdutil.Factory, runF func(context.Context, *AddOptions) error) *cobra.Command {
	o := &AddOptions{IO: f.IO, Env: f.Env}
	var caseSensitive bool
	cmd := &cobra.Command{
		Use:   "add WORD...",
		Short: "Block requests that contain a word",
		Long: `Block requests that contain any of the words, in the request-block WasmPlugin (any instance
found by image or name label; else request-block-2.0.0 is created on Higress's built-in image, as
the console would). Adding a word that is already blocked changes nothing and says so (in a
case-insensitive config, the same word in another case is already blocked); so does adding to a
route without a rule of its own a word the config governing it already blocks.

Matching is on the raw request: a body word is a substring of the JSON the client sent, so a word
the client wrote with JSON escapes (\u0070assword) is not matched; "block test" shows such cases.
Body words are written under block_bodies, which both builds and the console read (words found
under the older block_bodys are moved there). --exact and --regex need a keyword URL rule beside
them: neither build checks them otherwise.

case_sensitive applies to every word of a config and is always written: without --case-sensitive
the config keeps how it matches today (a config with no words yet is case-insensitive); with it,
every word of that config follows: when that changes how words already there match, the command
asks on a terminal and needs --yes otherwise.`,
		Example: `$ higress-ai block add password "api_key"
$ higress-ai block add internal.corp --in header
$ higress-ai block add /v1/admin --in url
$ higress-ai block add secret-project --route gpt-4o`,
		Args: cmdutil.MinimumArgs("WORD"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Words = args
			if _, err := o.Match.scope(cmd); err != nil {
				return err
			}
			if cmd.Flags().Changed("case-sensitive") {
				o.CaseSensitive = &caseSensitive
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return addRun(cmd, o)
		},
	}
	o.Match.bind(f, cmd)
	cmd.Flags().BoolVar(&o.AnyRoute, "any-route", false, "with --route: even when no Ingress or match rule names the route")
	cmd.Flags().BoolVar(&caseSensitive, "case-sensitive", false, "match every word of the config case-sensitively (default: keep the config's behaviour)")
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "do not ask before --case-sensitive changes how the words already there match")
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func addRun(cmd *cobra.Command, o *AddOptions) error {
	ctx := cmd.Context()
	in, err := o.Match.where()
	if err != nil {
		return err
	}
	scope, err := o.Match.scope(cmd)
	if err != nil {
		return err
	}
	req := action.BlockWords{Plugin: o.Match.Plugin, Scope: scope, Words: o.Words, In: in, CaseSensitive: o.CaseSensitive, AnyRoute: o.AnyRoute, DryRun: o.DryRun}
	if err := req.CheckWords(); err != nil {
		return err
	}
	env, err := o.Env()
	if err != nil {
		return err
	}
	if o.CaseSensitive != nil && !o.Yes && !o.DryRun.Active() {
		plan := req
		plan.DryRun = wasmplugin.DryRunClient
		_, p, err := plan.Run(ctx, env)
		if err != nil {
			return err
		}
		if p.CaseChanged > 0 {
			q := fmt.Sprintf("case_sensitive changes to %v in the config for %s: %d word(s) already there will match %s. Continue?", *o.CaseSensitive, p.Scope, p.CaseChanged, map[bool]string{true: "case-sensitively", false: "case-insensitively"}[*o.CaseSensitive])
			if err := cmdutil.Confirm(o.IO, false, false, q, fmt.Sprintf("--case-sensitive=%v changes how %d word(s) already in %s match", *o.CaseSensitive, p.CaseChanged, p.Scope)); err != nil {
				return err
			}
		}
	}
	res, out, err := req.Run(ctx, env)
	if err != nil {
		return err
	}
	for _, n := range out.Notes {
		cmdutil.Note(o.IO, n)
	}
	for _, w := range out.Warnings {
		cmdutil.Warn(o.IO, w)
	}
	if len(out.Present) > 0 {
		fmt.Fprintf(o.IO.ErrOut, "already blocked in %s (%s): %s\n", in, termsafe.Escape(out.PresentWhere), quoteWords(out.Present))
	}
	if !res.Changed && o.Output.Human() {
		fmt.Fprintln(o.IO.ErrOut, "nothing changed")
		return nil
	}
	return o.Output.Mutation(o.IO, res, "word", out.Changed, out, nil)
}
