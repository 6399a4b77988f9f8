package block

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// RemoveOptions are block remove's inputs.
type RemoveOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output

	Words      []string
	Match      matchFlags
	Everywhere bool
	DryRun     wasmplugin.DryRun
}

// NewCmdRemove builds block remove.
func NewCmdRemove(f *cmdutil.Factory, runF func(context.Context, *RemoveOptions) error) *cobra.Command {
	o := &RemoveOptions{IO: f.IO, Env: f.Env}
	cmd := &cobra.Command{
		Use:     "remove WORD...",
		Short:   "Stop blocking words",
		Aliases: []string{"rm"},
		Long: `Remove blocked words, matched where --in says and in the scope --route or --domain says, or in
every config of the plugin with --everywhere. A word still blocked by another config (the global
one, another rule) is named with where, since those requests stay blocked there.

A config left with no keyword URL, header or body word would stop the plugin from loading (exact
and regex URL rules do not count): such a route or domain rule is removed, and such a global
config is disabled (defaultConfigDisable: true). case_sensitive is written explicitly, with the
value the plugin's build applies today.`,
		Example:           "$ higress-ai block remove password api_key\n$ higress-ai block remove secret-project --route gpt-4o\n$ higress-ai block remove password --everywhere",
		Args:              cmdutil.MinimumArgs("WORD"),
		ValidArgsFunction: f.CompleteArgs(-1, cmdutil.BlockedWordNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Words = args
			if _, err := o.Match.scope(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return removeRun(cmd, o)
		},
	}
	o.Match.bind(f, cmd)
	cmd.Flags().BoolVar(&o.Everywhere, "everywhere", false, "remove the words from the global config and every route and domain rule")
	cmdutil.Exclusive(cmd, "everywhere", "route")
	cmdutil.Exclusive(cmd, "everywhere", "domain")
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func removeRun(cmd *cobra.Command, o *RemoveOptions) error {
	in, err := o.Match.where()
	if err != nil {
		return err
	}
	scope, err := o.Match.scope(cmd)
	if err != nil {
		return err
	}
	env, err := o.Env()
	if err != nil {
		return err
	}
	req := action.UnblockWords{Plugin: o.Match.Plugin, Scope: scope, Words: o.Words, In: in, Everywhere: o.Everywhere, DryRun: o.DryRun}
	res, out, err := req.Run(cmd.Context(), env)
	if err != nil {
		return err
	}
	for _, n := range out.Notes {
		cmdutil.Note(o.IO, n)
	}
	words := make([]string, 0, len(out.StillBlocked))
	for w := range out.StillBlocked {
		words = append(words, w)
	}
	sort.Strings(words)
	for _, w := range words {
		cmdutil.Note(o.IO, fmt.Sprintf("%q %s blocked in %s by %s", w, cmdutil.Would(o.DryRun.Active(), "is still", "would still be"), in, strings.Join(out.StillBlocked[w], "; ")))
	}
	return o.Output.Mutation(o.IO, res, "word", out.Changed, out, nil)
}
