package consumer

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// AddOptions are consumer add's inputs.
type AddOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Rand   io.Reader
	Getenv func(string) string
	Output *cmdutil.Output

	Name        string
	Key         *cmdutil.SecretInput
	Header      string
	Query       string
	Plugin      string
	IfNotExists bool
	// Models, when set, are the models the consumer may call through the bundled ai-proxy.
	Models    []string
	HasModels bool
	DryRun    wasmplugin.DryRun
}

// NewCmdAdd builds consumer add; runF replaces the run function in tests.
func NewCmdAdd(f *cmdutil.Factory, runF func(context.Context, *AddOptions) error) *cobra.Command {
	o := &AddOptions{IO: f.IO, Env: f.Env, Rand: f.Rand, Getenv: f.Getenv}
	var models []string
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a consumer and print its new key",
		Long: `Add a consumer to the key-auth WasmPlugin and print its key, once, alone on stdout.

The key is 32 random bytes (crypto/rand) with the prefix hai_, or comes from --key-stdin,
--key-file or --key-env (never from a flag value), and is then not printed back.
By default the consumer presents it as "Authorization: Bearer <key>", which OpenAI SDK
clients send unchanged; --header NAME or --query NAME read it from another header or a
query parameter. When no key-auth plugin exists, key-auth.internal is created as the
Higress console would (auth only on routes that name their consumers).`,
		Example: `$ higress-ai consumer add alice
$ KEY=$(higress-ai consumer add data-team)
$ vault read -field=key secret/bob | higress-ai consumer add bob --key-stdin
$ higress-ai consumer add ci --key-env CI_KEY --header x-api-key --dir ./gitops
$ higress-ai consumer add alice -o json
$ higress-ai consumer add alice --dry-run=client -o yaml`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if o.HasModels = cmd.Flags().Changed("models"); o.HasModels {
				o.Models = cmdutil.SplitList(models)
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return addRun(cmd.Context(), o)
		},
	}
	o.Key = cmdutil.AddSecretFlags(cmd, "key", "the key instead of generating one")
	cmd.Flags().StringVar(&o.Header, "header", "", "read the key from this header (plain value) instead of Authorization: Bearer")
	cmd.Flags().StringVar(&o.Query, "query", "", "read the key from this query parameter")
	cmdutil.Exclusive(cmd, "header", "query")
	pluginFlag(f, cmd, &o.Plugin)
	cmd.Flags().BoolVar(&o.IfNotExists, "if-not-exists", false, "succeed without change when the consumer already exists")
	cmd.Flags().StringSliceVar(&models, "models", nil, "the models it may call through the bundled ai-proxy (names, prefix*, *), comma-separated")
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func addRun(ctx context.Context, o *AddOptions) error {
	if err := keyauth.CheckName(o.Name); err != nil {
		return err
	}
	req := action.AddConsumer{Plugin: o.Plugin, Name: o.Name, Source: keyauth.BearerSource, IfNotExists: o.IfNotExists, DryRun: o.DryRun}
	switch {
	case o.Header != "":
		req.Source = keyauth.Source{Header: o.Header}
	case o.Query != "":
		req.Source = keyauth.Source{Query: o.Query}
	}
	var err error
	if req.Key, req.Generated, err = newKey(o.Key, o.IO, o.Getenv, o.Rand); err != nil {
		return err
	}
	env, err := o.Env()
	if err != nil {
		return err
	}
	if o.HasModels {
		// Check before anything is written: no half-made consumer when the model list cannot go in.
		if p, err := aiplugin.Find(ctx, env.Store, env.Namespace); err != nil {
			return err
		} else if p == nil {
			return aiplugin.ErrNotInstalled
		}
		if err := aiproxy.CheckModels(o.Models); err != nil {
			return cmdutil.FlagErrorf("--models: %v", err)
		}
	}
	res, out, err := req.Run(ctx, env)
	if err != nil {
		return err
	}
	if out.Existed {
		fmt.Fprintf(o.IO.ErrOut, "consumer %q already exists in wasmplugin %q: nothing changed\n", o.Name, out.Plugin)
		return o.Output.Mutation(o.IO, res, "consumer", []string{o.Name}, out, nil)
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
	if o.HasModels {
		mres, err := aiplugin.CheckedSetModels(ctx, env.Store, env.Namespace, o.DryRun, o.Name, o.Models)
		if err != nil {
			return fmt.Errorf("consumer %q added to key-auth, but its model list was not written: %w", o.Name, err)
		}
		cmdutil.ReportEdit(o.IO, mres)
	}
	if o.DryRun.Active() {
		return nil
	}
	switch {
	case !req.Generated:
		// The caller has the key already; printing it again would only put it in logs.
		fmt.Fprintf(o.IO.ErrOut, "consumer %q added with the key from %s\n", o.Name, o.Key.Flag())
	case o.IO.StdoutTTY:
		fmt.Fprintf(o.IO.ErrOut, "consumer %q added; this key is shown only once: store it now\n", o.Name)
	}
	if out.OpenEverywhere {
		fmt.Fprintf(o.IO.ErrOut, "note: no route asks for a key yet, so every route stays open to anyone: bind this consumer (higress-ai route bind ROUTE --consumer %s) or require a key everywhere (higress-ai route auth on)\n", o.Name)
	}
	return nil
}
