package limit

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/ratelimit"
)

// SetOptions are limit set's inputs.
type SetOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output

	Getenv func(string) string

	Set           action.SetLimit
	RedisPassword *cmdutil.SecretInput
}

// windowFlags are the --tokens-per-WINDOW flags, one per window the plugin has.
var windowFlags = []struct {
	flag   string
	window ratelimit.Window
}{
	{"tokens-per-second", ratelimit.PerSecond},
	{"tokens-per-minute", ratelimit.PerMinute},
	{"tokens-per-hour", ratelimit.PerHour},
	{"tokens-per-day", ratelimit.PerDay},
}

// NewCmdSet builds limit set.
func NewCmdSet(f *cmdutil.Factory, runF func(context.Context, *SetOptions) error) *cobra.Command {
	o := &SetOptions{IO: f.IO, Env: f.Env, Getenv: f.Getenv}
	var everyone bool
	tokens := make([]int64, len(windowFlags))
	cmd := &cobra.Command{
		Use:   "set CONSUMER|--default --tokens-per-minute N",
		Short: "Give a consumer, or everyone without a limit of their own, a token limit",
		Long: `Give a consumer (or, with --default, every consumer without a limit of their own, each counted
separately) a limit of tokens per second, minute, hour or day, in the global config or, with
--route, in a rule for one route. A route without a rule of its own gets one that starts from the
global limits, so everyone else on it keeps theirs. The first limit creates ai-token-ratelimit on
Higress's built-in image, as the console would, and needs the Redis it counts in (--redis-service,
the password from --redis-password-stdin, -file or -env).

` + semantics,
		Example: `$ higress-ai limit set alice --tokens-per-minute 20000 --redis-service redis.higress-system.svc.cluster.local
$ higress-ai limit set --default --tokens-per-hour 500000
$ higress-ai limit set bob --tokens-per-day 2000000 --route gpt-4o`,
		Args: cmdutil.MaximumArgs("CONSUMER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case everyone && len(args) == 1:
				return cmdutil.FlagErrorf("give a consumer or --default, not both")
			case everyone:
				o.Set.Consumer = ratelimit.Everyone
			case len(args) == 1:
				o.Set.Consumer = args[0]
			default:
				return cmdutil.FlagErrorf("missing CONSUMER (or --default for everyone)")
			}
			var set []string
			for i, w := range windowFlags {
				if !cmd.Flags().Changed(w.flag) {
					continue
				}
				if tokens[i] <= 0 {
					return cmdutil.FlagErrorf("--%s: must be a positive whole number of tokens", w.flag)
				}
				set = append(set, w.flag)
				o.Set.Window, o.Set.Tokens = w.window, tokens[i]
			}
			switch len(set) {
			case 0:
				return cmdutil.FlagErrorf("give the limit: --tokens-per-second, --tokens-per-minute, --tokens-per-hour or --tokens-per-day")
			case 1:
			default:
				return cmdutil.FlagErrorf("--%s and --%s: ai-token-ratelimit applies one window per consumer (the first matching limit wins), so give one", set[0], set[1])
			}
			if err := checkRoute(o.Set.Route); err != nil {
				return err
			}
			if o.Set.Redis.Port < 0 || o.Set.Redis.Port > 65535 {
				return cmdutil.FlagErrorf("--redis-port: must be 1 to 65535")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return setRun(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&everyone, "default", false, "the limit of every consumer without one of their own (each counted separately)")
	for i, w := range windowFlags {
		fl.Int64Var(&tokens[i], w.flag, 0, "limit: tokens per "+w.window.Short())
	}
	fl.StringVar(&o.Set.Route, "route", "", "set the limit in the rule of this route (default: the global config)")
	fl.BoolVar(&o.Set.AnyRoute, "any-route", false, "with --route: even when no Ingress or match rule names the route")
	fl.StringVar(&o.Set.Redis.Service, "redis-service", "", "the Redis the plugin counts in, as Higress names the service (redis.NS.svc.cluster.local, or NAME.static)")
	fl.Int64Var(&o.Set.Redis.Port, "redis-port", 0, "the Redis port (default 6379, 80 for a .static service)")
	o.RedisPassword = cmdutil.AddSecretFlags(cmd, "redis-password", "the Redis password")
	pluginFlag(f, cmd, &o.Set.Plugin)
	f.CompleteArgs(1, cmdutil.ConsumerNames)
	f.CompleteFlag(cmd, "route", cmdutil.RouteNames)
	cmdutil.AddDryRunFlag(cmd, &o.Set.DryRun)
	o.Output = cmdutil.AddMutationOutput(cmd)
	return cmd
}

func setRun(ctx context.Context, o *SetOptions) error {
	env, err := o.Env()
	if err != nil {
		return err
	}
	if o.RedisPassword.Given() {
		pw, err := o.RedisPassword.Read(o.IO, o.Getenv)
		if err != nil {
			return err
		}
		o.Set.Redis.Password = &pw
	}
	res, out, err := o.Set.Run(ctx, env)
	switch {
	case errors.Is(err, action.ErrNoRedis):
		return fmt.Errorf("%w: give --redis-service (and the password with --redis-password-stdin, -file or -env)", err)
	case err != nil:
		return err
	}
	printNotes(o.IO, out.Notes)
	if out.Change == "unchanged" && !res.Changed {
		fmt.Fprintf(o.IO.ErrOut, "%s already has %d tokens per %s in %s\n", who(out.Consumer), out.Tokens, out.Window, out.Scope)
		return nil
	}
	if o.Set.Redis.Password != nil {
		fmt.Fprintln(o.IO.ErrOut, "note: the Redis password is stored in the plugin's config (ai-token-ratelimit reads it only there): anyone who may read WasmPlugins can read it")
	}
	return o.Output.Mutation(o.IO, res, "limit", []string{out.Consumer}, out, nil)
}

func who(consumer string) string {
	if consumer == ratelimit.Everyone {
		return "everyone without a limit of their own"
	}
	return fmt.Sprintf("%q", consumer)
}
