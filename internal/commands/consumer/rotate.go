package consumer

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// RotateOptions are consumer rotate's inputs.
type RotateOptions struct {
	F        *cmdutil.Factory
	Name     string
	Finish   bool
	KeyStdin bool
	Plugin   string
	DryRun   wasmplugin.DryRun
}

// NewCmdRotate builds consumer rotate.
func NewCmdRotate(f *cmdutil.Factory, runF func(*RotateOptions) error) *cobra.Command {
	o := &RotateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "rotate NAME",
		Short: "Give a consumer a new key without downtime",
		Long: `Rotation in two steps, so clients never see a failed request:

  1. "consumer rotate NAME" adds a new key beside the old one and prints it; both work.
  2. Once every client uses the new key, "consumer rotate NAME --finish" drops the old ones.`,
		Example:           "$ higress-ai consumer rotate alice\n$ higress-ai consumer rotate alice --finish",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if o.Finish && o.KeyStdin {
				return cmdutil.FlagErrorf("--finish takes no key: it keeps the newest and drops the rest")
			}
			dry, err := f.Flags.DryRunMode()
			if err != nil {
				return err
			}
			o.DryRun = dry
			if runF != nil {
				return runF(o)
			}
			return rotateRun(o)
		},
	}
	cmd.Flags().BoolVar(&o.Finish, "finish", false, "keep only the newest key")
	cmd.Flags().BoolVar(&o.KeyStdin, "key-stdin", false, "read the new key from standard input instead of generating one")
	cmd.Flags().StringVar(&o.Plugin, "plugin", "", "name of the key-auth WasmPlugin to edit (default: found automatically)")
	return cmd
}

func rotateRun(o *RotateOptions) error {
	f := o.F
	var key string
	var err error
	if !o.Finish {
		if key, err = newKey(f, o.KeyStdin); err != nil {
			return err
		}
	}
	store, err := f.Store()
	if err != nil {
		return err
	}
	dropped := 0
	res, err := wasmplugin.Edit(f.Context, store, Target(f, o.Plugin), false, o.DryRun, func(p wasmplugin.Plugin) error {
		cfg, err := EditConfig(p)
		if err != nil {
			return err
		}
		c, ok := cfg.Consumer(o.Name)
		if !ok {
			return fmt.Errorf("consumer %q not found in wasmplugin %q", o.Name, p.Ref())
		}
		if o.Finish {
			dropped = c.FinishRotation()
			return nil
		}
		return c.Rotate(key)
	})
	if err != nil {
		return err
	}
	cmdutil.ReportEdit(f.IO, res)
	if o.Finish {
		if dropped == 0 {
			fmt.Fprintf(f.IO.ErrOut, "consumer %q has one key: no rotation to finish\n", o.Name)
		} else {
			fmt.Fprintf(f.IO.ErrOut, "consumer %q: dropped %d old key(s), the newest remains\n", o.Name, dropped)
		}
		return nil
	}
	if o.DryRun != wasmplugin.DryRunNone {
		return nil
	}
	if !o.KeyStdin {
		fmt.Fprintln(f.IO.Out, key)
	}
	fmt.Fprintf(f.IO.ErrOut, "consumer %q now has a new key beside the old; run \"higress-ai consumer rotate %s --finish\" once clients use it\n", o.Name, o.Name)
	return nil
}
