package consumer

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// AddOptions are consumer add's inputs.
type AddOptions struct {
	F           *cmdutil.Factory
	Name        string
	KeyStdin    bool
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
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	o := &AddOptions{F: f}
	var models []string
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a consumer and print its new key",
		Long: `Add a consumer to the key-auth WasmPlugin and print its key, once, alone on stdout.

The key is 32 random bytes (crypto/rand) with the prefix hai_, or comes from --key-stdin.
By default the consumer presents it as "Authorization: Bearer <key>", which OpenAI SDK
clients send unchanged; --header NAME or --query NAME read it from another header or a
query parameter. When no key-auth plugin exists, key-auth.internal is created as the
Higress console would (auth only on routes that name their consumers).`,
		Example: `$ higress-ai consumer add alice
$ KEY=$(higress-ai consumer add data-team)
$ vault read -field=key secret/bob | higress-ai consumer add bob --key-stdin
$ higress-ai consumer add ci --header x-api-key --dir ./gitops`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if o.Header != "" && o.Query != "" {
				return cmdutil.FlagErrorf("--header and --query cannot be used together")
			}
			dry, err := f.Flags.DryRunMode()
			if err != nil {
				return err
			}
			o.DryRun = dry
			if o.HasModels = cmd.Flags().Changed("models"); o.HasModels {
				o.Models = cmdutil.SplitList(models)
			}
			if runF != nil {
				return runF(o)
			}
			return addRun(o)
		},
	}
	cmd.Flags().BoolVar(&o.KeyStdin, "key-stdin", false, "read the key from standard input instead of generating one")
	cmd.Flags().StringVar(&o.Header, "header", "", "read the key from this header (plain value) instead of Authorization: Bearer")
	cmd.Flags().StringVar(&o.Query, "query", "", "read the key from this query parameter")
	cmd.Flags().StringVar(&o.Plugin, "plugin", "", "name of the key-auth WasmPlugin to edit (default: found automatically)")
	cmd.Flags().BoolVar(&o.IfNotExists, "if-not-exists", false, "succeed without change when the consumer already exists")
	cmd.Flags().StringSliceVar(&models, "models", nil, "the models it may call through the bundled ai-proxy (names, prefix*, *), comma-separated")
	return cmd
}

func addRun(o *AddOptions) error {
	f := o.F
	if err := keyauth.CheckName(o.Name); err != nil {
		return err
	}
	key, err := newKey(f, o.KeyStdin)
	if err != nil {
		return err
	}
	src := keyauth.BearerSource
	switch {
	case o.Header != "":
		src = keyauth.Source{Header: o.Header}
	case o.Query != "":
		src = keyauth.Source{Query: o.Query}
	}
	store, err := f.Store()
	if err != nil {
		return err
	}
	if o.HasModels {
		// Check before anything is written: no half-made consumer when the model list cannot go in.
		if p, err := aiplugin.Find(f.Context, store, f.Namespace()); err != nil {
			return err
		} else if p == nil {
			return aiplugin.ErrNotInstalled
		}
		if err := aiproxy.CheckModels(o.Models); err != nil {
			return cmdutil.FlagErrorf("--models: %v", err)
		}
	}
	existed := false
	res, err := wasmplugin.Edit(f.Context, store, Target(f, o.Plugin), true, o.DryRun, func(p wasmplugin.Plugin) error {
		existed = false
		cfg, err := EditConfig(p)
		if err != nil {
			return err
		}
		err = cfg.AddConsumer(o.Name, key, src)
		var exists *keyauth.ExistsError
		if errors.As(err, &exists) {
			existed = true
			if o.IfNotExists && (!o.KeyStdin || holds(cfg, o.Name, key)) {
				return nil
			}
			return fmt.Errorf("consumer %q already exists in wasmplugin %q", o.Name, p.Ref())
		}
		return err
	})
	if err != nil {
		return err
	}
	if existed {
		fmt.Fprintf(f.IO.ErrOut, "consumer %q already exists in wasmplugin %q: nothing changed\n", o.Name, res.Plugin.Ref())
		return nil
	}
	cmdutil.ReportEdit(f.IO, res)
	if err := cmdutil.RefreshKeyAuth(f, store, o.DryRun); err != nil {
		return err
	}
	if o.HasModels {
		mres, err := aiplugin.CheckedSetModels(f.Context, store, f.Namespace(), o.DryRun, o.Name, o.Models)
		if err != nil {
			return fmt.Errorf("consumer %q added to key-auth, but its model list was not written: %w", o.Name, err)
		}
		cmdutil.ReportEdit(f.IO, mres)
	}
	if o.DryRun != wasmplugin.DryRunNone {
		return nil
	}
	if o.KeyStdin {
		// The caller has the key already; printing it again would only put it in logs.
		fmt.Fprintf(f.IO.ErrOut, "consumer %q added with the key from standard input\n", o.Name)
		return nil
	}
	fmt.Fprintln(f.IO.Out, key)
	if f.IO.StdoutTTY {
		fmt.Fprintf(f.IO.ErrOut, "consumer %q added; this key is shown only once: store it now\n", o.Name)
	}
	return nil
}

// holds reports whether the named consumer already has key as one of its credentials.
func holds(cfg *keyauth.Config, name, key string) bool {
	holder, ok := cfg.Holder(key)
	return ok && holder == name
}
