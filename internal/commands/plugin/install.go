package plugin

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// InstallOptions are plugin install's inputs.
type InstallOptions struct {
	F          *cmdutil.Factory
	Output     *cmdutil.Output
	Image      aiproxy.Image
	FailOpen   bool
	PullSecret string
	// Statistics: "yes" installs ai-statistics, "no" does not, "" asks on a terminal.
	Statistics string
	DryRun     wasmplugin.DryRun
}

// NewCmdInstall builds plugin install; runF replaces the run function in tests.
func NewCmdInstall(f *cmdutil.Factory, runF func(*InstallOptions) error) *cobra.Command {
	o := &InstallOptions{F: f}
	var url string
	var allowTag, withStats, noStats bool
	cmd := &cobra.Command{
		Use:   "install [REF]",
		Short: "Install or update the bundled ai-proxy WasmPlugin, pinned by digest",
		Long: `Create the bundled ai-proxy's WasmPlugin (higress-ai-proxy), or update it in place: the image
REF (the oci://REGISTRY/REPO@sha256:DIGEST reference plugin push prints, or --url), pinned by
digest (spec.sha256 is the manifest digest, which Higress's fetcher compares), phase
UNSPECIFIED_PHASE and priority 100 as the console writes ai-proxy, the console's labels so the
console lists it, and failStrategy FAIL_CLOSE (a plugin that enforces model lists must not fail
open; --fail-open to choose otherwise).

The plugin lives beside the console's own ai-proxy.internal, which it never touches: its global
config is disabled and it runs only on the routes bound to a provider (route bind ROUTE
--provider ID). It is told where key-auth runs and which names carry consumer keys (its keyAuth
block), from the key-auth WasmPlugin as it is now; route bind/unbind --consumer and consumer
add/remove keep it in step, and after editing key-auth another way run install again.

It also offers ai-statistics for the gateway's AI metrics (asked on a terminal,
--with-statistics otherwise), without the attribute that would overwrite the consumer the bundled
plugin writes into ai_log. The image replaced is recorded, for plugin rollback.`,
		Example: `$ higress-ai plugin install oci://registry.example.com/ai/ai-proxy@sha256:3b1f...
$ higress-ai plugin install --url oci://localhost:5000/ai-proxy:dev --allow-tag --dry-run
$ higress-ai plugin install oci://registry.example.com/ai/ai-proxy@sha256:3b1f... --with-statistics --image-pull-secret regcred`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref := url
			if len(args) == 1 {
				if url != "" && url != args[0] {
					return cmdutil.FlagErrorf("give the image once: as REF or as --url")
				}
				ref = args[0]
			}
			if ref == "" {
				return cmdutil.FlagErrorf("no image: give the oci://...@sha256:... reference plugin push printed (REF or --url)")
			}
			img, err := aiproxy.ParseImage(ref, allowTag)
			if err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			o.Image = img
			if withStats && noStats {
				return cmdutil.FlagErrorf("--with-statistics and --without-statistics cannot be used together")
			}
			switch {
			case withStats:
				o.Statistics = "yes"
			case noStats:
				o.Statistics = "no"
			}
			if runF != nil {
				return runF(o)
			}
			return installRun(o)
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "the image: oci://REGISTRY/REPO@sha256:DIGEST (as plugin push prints it)")
	cmd.Flags().BoolVar(&allowTag, "allow-tag", false, "accept an image that is not pinned by digest (a tag such as :latest)")
	cmd.Flags().BoolVar(&o.FailOpen, "fail-open", false, "let requests through when the plugin fails (failStrategy FAIL_OPEN)")
	cmd.Flags().BoolVar(&withStats, "with-statistics", false, "also install or update ai-statistics")
	cmd.Flags().BoolVar(&noStats, "without-statistics", false, "do not install ai-statistics and do not ask")
	cmd.Flags().StringVar(&o.PullSecret, "image-pull-secret", "", "dockerconfigjson Secret in the namespace for a private registry")
	cmdutil.AddDryRunFlag(cmd, &o.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func installRun(o *InstallOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	stats := o.Statistics == "yes"
	if o.Statistics == "" && f.IO.StdinTTY && f.IO.StderrTTY {
		if stats, err = cmdutil.Ask(f.IO, "Also install ai-statistics for the gateway's AI metrics?"); err != nil {
			return err
		}
	}
	var routes []k8s.Route // hosts for the key-auth warning; without them, names only
	if env, err := f.Env(); err == nil {
		routes, _ = env.Routes(f.Context)
	}
	res, err := aiplugin.Install(f.Context, store, aiplugin.InstallOptions{
		Namespace: f.Namespace(), Image: o.Image, FailOpen: o.FailOpen, PullSecret: o.PullSecret, DryRun: o.DryRun, Routes: routes,
	})
	if err != nil {
		return err
	}
	if err := o.Output.Mutation(f.IO, res.Result, "plugin", []string{res.Result.Plugin.Name()}, map[string]any{"plugin": res.Result.Plugin.Ref(), "url": res.Result.Plugin.URL()}, nil); err != nil {
		return err
	}
	if !o.Image.Pinned() {
		fmt.Fprintf(f.IO.ErrOut, "warning: %s is not pinned by digest: the gateway loads whatever the tag points to when it next fetches\n", o.Image.URL)
	}
	if o.FailOpen {
		fmt.Fprintln(f.IO.ErrOut, "warning: failStrategy FAIL_OPEN: when the plugin fails, requests reach the provider without its model lists")
	}
	if res.NoKeyAuth {
		fmt.Fprintln(f.IO.ErrOut, "warning: no key-auth wasmplugin: no request carries a trusted consumer, so per-consumer model lists do not apply (add consumers with consumer add)")
	}
	for _, r := range res.Uncovered {
		fmt.Fprintf(f.IO.ErrOut, "warning: key-auth does not run on route %s, which the plugin serves: its requests carry no trusted consumer (per-consumer model lists do not apply, usage is not attributed)\n", r)
	}
	for _, o := range res.Overlaps {
		fmt.Fprintf(f.IO.ErrOut, "warning: %s: both would rewrite its requests\n", o)
	}
	if len(res.Bindings) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "next: add a provider (provider add ID --type TYPE --api-key-env VAR) and bind a route to it (route bind ROUTE --provider ID)")
	}
	if stats {
		sres, removed, err := aiplugin.EnsureStatistics(f.Context, store, f.Namespace(), o.DryRun)
		if err != nil {
			return fmt.Errorf("ai-statistics: %w", err)
		}
		if o.Output.Human() {
			cmdutil.ReportEdit(f.IO, sres)
		} else {
			cmdutil.Status(f.IO, sres)
		}
		if removed > 0 {
			fmt.Fprintf(f.IO.ErrOut, "removed %d ai-statistics attribute(s) writing the consumer into ai_log: the bundled plugin writes it\n", removed)
		}
	} else if o.Statistics == "" {
		fmt.Fprintln(f.IO.ErrOut, "hint: --with-statistics also installs ai-statistics for the gateway's AI metrics")
	}
	return nil
}
