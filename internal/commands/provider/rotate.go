package provider

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// RotateOptions are provider rotate-key's inputs.
type RotateOptions struct {
	F      *cmdutil.Factory
	Output *cmdutil.Output
	ID     string
	Keys   KeySource
	Getenv func(string) string
	Finish bool
	DryRun wasmplugin.DryRun
}

// NewCmdRotateKey builds provider rotate-key.
func NewCmdRotateKey(f *cmdutil.Factory, runF func(*RotateOptions) error) *cobra.Command {
	o := &RotateOptions{F: f, Getenv: os.Getenv}
	cmd := &cobra.Command{
		Use:   "rotate-key ID (--api-key-stdin | --api-key-env VAR | --finish)",
		Short: "Add a new upstream key beside the old one, or drop the old one",
		Long: `Rotate a provider's upstream key with no downtime: first add the new key beside the old one
(both are used, so nothing fails while the gateway picks up the change), revoke nothing yet;
then, once the new key works, --finish drops every key but the newest.`,
		Example:           "$ higress-ai provider rotate-key openai --api-key-env NEW_OPENAI_KEY\n$ higress-ai provider rotate-key openai --finish",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeIDs(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ID = args[0]
			if o.Finish == o.Keys.given() {
				return cmdutil.FlagErrorf("give the new key (--api-key-stdin or --api-key-env VAR), or --finish to drop the old keys")
			}
			if runF != nil {
				return runF(o)
			}
			return rotateRun(o)
		},
	}
	o.Keys.bind(cmd)
	cmd.Flags().BoolVar(&o.Finish, "finish", false, "drop every key but the newest")
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func rotateRun(o *RotateOptions) error {
	f := o.F
	key := ""
	if !o.Finish {
		keys, err := o.Keys.read(f.IO, o.Getenv)
		if err != nil {
			return err
		}
		if len(keys) != 1 {
			return cmdutil.FlagErrorf("rotate-key takes one new key, got %d", len(keys))
		}
		key = keys[0]
	}
	store, err := f.Store()
	if err != nil {
		return err
	}
	res, dropped, err := aiplugin.RotateKey(f.Context, store, f.Namespace(), o.DryRun, o.ID, key, o.Finish)
	if err != nil {
		return err
	}
	if err := o.Output.Mutation(f.IO, res, "provider", []string{o.ID}, map[string]any{"provider": o.ID, "finished": o.Finish, "dropped": dropped, "plugin": res.Plugin.Ref()}, nil); err != nil {
		return err
	}
	switch {
	case o.Finish && dropped == 0:
		fmt.Fprintf(f.IO.ErrOut, "provider %q has one key: nothing to drop\n", o.ID)
	case o.Finish:
		fmt.Fprintf(f.IO.ErrOut, "dropped %d old key(s) of provider %q\n", dropped, o.ID)
	case o.DryRun == wasmplugin.DryRunNone:
		fmt.Fprintf(f.IO.ErrOut, "new key added beside the old one; once it works: provider rotate-key %s --finish\n", o.ID)
	}
	return nil
}
