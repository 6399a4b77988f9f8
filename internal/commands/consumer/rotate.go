package consumer

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// RotateOptions are consumer rotate's inputs.
type RotateOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Rand   io.Reader
	Getenv func(string) string
	Output *cmdutil.Output

	Name   string
	Finish bool
	Key    *cmdutil.SecretInput
	Plugin string
	DryRun wasmplugin.DryRun
}

// NewCmdRotate builds consumer rotate.
func NewCmdRotate(f *cmdutil.Factory, runF func(context.Context, *RotateOptions) error) *cobra.Command {
	o := &RotateOptions{IO: f.IO, Env: f.Env, Rand: f.Rand, Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "rotate NAME",
		Short: "Give a consumer a new key without downtime",
		Long: `Rotation in two steps, so clients never see a failed request:

  1. "consumer rotate NAME" adds a new key beside the old one and prints it; both work.
  2. Once every client uses the new key, "consumer rotate NAME --finish" drops the old ones.`,
		Example:           "$ higress-ai consumer rotate alice\n$ higress-ai consumer rotate alice --finish",
		Args:              cmdutil.ExactArgs("NAME"),
		ValidArgsFunction: f.CompleteArgs(1, cmdutil.ConsumerNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if o.Finish && o.Key.Given() {
				return cmdutil.FlagErrorf("--finish takes no key: it keeps the newest and drops the rest")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return rotateRun(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.Finish, "finish", false, "keep only the newest key")
	o.Key = cmdutil.AddSecretFlags(cmd, "key", "the new key instead of generating one")
	pluginFlag(f, cmd, &o.Plugin)
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func rotateRun(ctx context.Context, o *RotateOptions) error {
	req := action.RotateKey{Plugin: o.Plugin, Name: o.Name, Finish: o.Finish, DryRun: o.DryRun}
	if !o.Finish {
		var err error
		if req.Key, req.Generated, err = newKey(o.Key, o.IO, o.Getenv, o.Rand); err != nil {
			return err
		}
	}
	env, err := o.Env()
	if err != nil {
		return err
	}
	res, out, err := req.Run(ctx, env)
	if err != nil {
		return err
	}
	err = o.Output.Mutation(o.IO, res, "consumer", []string{o.Name}, out, func() error {
		if req.Generated {
			_, err := fmt.Fprintln(o.IO.Out, req.Key)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := cmdutil.RefreshKeyAuth(ctx, o.IO, env, o.DryRun); err != nil {
		return err
	}
	dry := o.DryRun.Active()
	switch {
	case o.Finish && out.Dropped == 0:
		fmt.Fprintf(o.IO.ErrOut, "consumer %q has one key: no rotation to finish\n", o.Name)
	case o.Finish:
		fmt.Fprintf(o.IO.ErrOut, "consumer %q: %s %d old key(s), the newest remains\n", o.Name, cmdutil.Would(dry, "dropped", "would drop"), out.Dropped)
	case !dry:
		fmt.Fprintf(o.IO.ErrOut, "consumer %q now has a new key beside the old; run \"higress-ai consumer rotate %s --finish\" once clients use it\n", o.Name, o.Name)
	}
	return nil
}
