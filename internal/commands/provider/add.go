package provider

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// AddOptions are provider add's inputs.
type AddOptions struct {
	F      *cmdutil.Factory
	Output *cmdutil.Output
	Spec   aiproxy.ProviderSpec
	Keys   KeySource
	Getenv func(string) string
	DryRun wasmplugin.DryRun
}

// NewCmdAdd builds provider add.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	o := &AddOptions{F: f, Getenv: os.Getenv}
	var mapping []string
	cmd := &cobra.Command{
		Use:   "add ID --type TYPE (--api-key-stdin | --api-key-env VAR)",
		Short: "Add an upstream provider with its key",
		Long: `Add a provider to the bundled ai-proxy. TYPE is one of ` + strings.Join(aiproxy.Types, ", ") + `.
--base-url sets the OpenAI-compatible base URL (required for generic; for azure the
azureServiceUrl with its api-version). The key comes from standard input (--api-key-stdin, one
per line: several keys are used in turn) or environment variables (--api-key-env, repeatable);
vllm, ollama and generic may have none. The key is never printed.`,
		Example: `$ higress-ai provider add openai --type openai --api-key-env OPENAI_API_KEY
$ vault read -field=key secret/deepseek | higress-ai provider add deepseek --type deepseek --api-key-stdin --model-mapping '*=deepseek-chat'
$ higress-ai provider add local --type vllm --base-url http://vllm.ai.svc:8000/v1`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Spec.ID = args[0]
			if err := aiproxy.CheckID(o.Spec.ID); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if o.Spec.Type == "" {
				return cmdutil.FlagErrorf("--type is required: one of %s", strings.Join(aiproxy.Types, ", "))
			}
			o.Spec.ModelMapping = cmdutil.SplitList(mapping)
			if !o.Keys.given() && !aiproxy.Keyless(o.Spec.Type) {
				return cmdutil.FlagErrorf("provider type %s needs an upstream key: --api-key-stdin or --api-key-env VAR", o.Spec.Type)
			}
			if runF != nil {
				return runF(o)
			}
			return addRun(o)
		},
	}
	cmd.Flags().StringVar(&o.Spec.Type, "type", "", "provider type: "+strings.Join(aiproxy.Types, "|"))
	cmd.Flags().StringVar(&o.Spec.BaseURL, "base-url", "", "OpenAI-compatible base URL (azure: the azureServiceUrl with api-version)")
	cmd.Flags().StringSliceVar(&mapping, "model-mapping", nil, "model mapping pattern=target, comma-separated (gpt-4=gpt-4o,*=gpt-4o-mini)")
	o.Keys.bind(cmd)
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func addRun(o *AddOptions) error {
	f := o.F
	keys, err := o.Keys.read(f.IO, o.Getenv)
	if err != nil {
		return err
	}
	o.Spec.Tokens = keys
	store, err := f.Store()
	if err != nil {
		return err
	}
	res, err := aiplugin.AddProvider(f.Context, store, f.Namespace(), o.DryRun, o.Spec)
	if err != nil {
		return err
	}
	if err := o.Output.Mutation(f.IO, res, "provider", []string{o.Spec.ID}, map[string]any{"provider": o.Spec.ID, "type": o.Spec.Type, "plugin": res.Plugin.Ref()}, nil); err != nil {
		return err
	}
	if o.DryRun == wasmplugin.DryRunNone {
		fmt.Fprintf(f.IO.ErrOut, "provider %q added with %d key(s); bind a route to it with route bind ROUTE --provider %s\n", o.Spec.ID, len(keys), o.Spec.ID)
	}
	return nil
}
