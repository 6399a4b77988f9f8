package consumer

import (
	"fmt"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// ModelsOptions are consumer models' inputs.
type ModelsOptions struct {
	F      *cmdutil.Factory
	Output *cmdutil.Output
	Name   string
	Models []string
	DryRun wasmplugin.DryRun
}

// NewCmdModels builds consumer models.
func NewCmdModels(f *cmdutil.Factory, runF func(*ModelsOptions) error) *cobra.Command {
	o := &ModelsOptions{F: f}
	cmd := &cobra.Command{
		Use:   "models NAME MODEL[,MODEL...]",
		Short: "Set the models a consumer may call",
		Long: `Set the models the consumer may call through the bundled ai-proxy: exact names, prefix* or *,
comma-separated; "" (an empty list) lets it call none. Other models answer 403
model_not_allowed. The list replaces the one it had. consumer show prints it.`,
		Example:           "$ higress-ai consumer models alice gpt-4o,gpt-4o-mini\n$ higress-ai consumer models ci 'gpt-4o-mini*'\n$ higress-ai consumer models intern ''",
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: f.CompleteArgs(1, cmdutil.ConsumerNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			o.Models = cmdutil.SplitList([]string{args[1]})
			if o.Models == nil {
				o.Models = []string{}
			}
			if runF != nil {
				return runF(o)
			}
			return modelsRun(o)
		},
	}
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func modelsRun(o *ModelsOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	res, err := aiplugin.SetModels(f.Context, store, f.Namespace(), o.DryRun, o.Name, o.Models)
	if err != nil {
		return err
	}
	if err := o.Output.Mutation(f.IO, res, "consumer", []string{o.Name}, map[string]any{"name": o.Name, "models": o.Models, "plugin": res.Plugin.Ref()}, nil); err != nil {
		return err
	}
	if len(o.Models) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "consumer %q may call no model\n", o.Name)
	} else {
		fmt.Fprintf(f.IO.ErrOut, "consumer %q may call %s\n", o.Name, termsafe.Escape(strings.Join(o.Models, ", ")))
	}
	return nil
}
