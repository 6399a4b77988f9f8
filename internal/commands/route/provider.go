package route

import (
	"context"
	"fmt"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

// providerBindRun points a route at a provider of the bundled ai-proxy.
func providerBindRun(ctx context.Context, o *BindOptions) error {
	env, err := o.Env()
	if err != nil {
		return err
	}
	route := o.Scope.Route
	routes, err := env.Routes(ctx)
	if err != nil {
		cmdutil.Warn(o.IO, fmt.Sprintf("cannot list routes (%v): %q is not checked", err, route))
		routes = nil
	}
	res, err := aiplugin.BindRoute(ctx, env.Store, aiplugin.BindOptions{
		Namespace: env.Namespace, Route: route, Provider: o.Provider, DryRun: o.DryRun, Routes: routes, AnyRoute: o.AnyRoute,
	})
	if err != nil {
		return err
	}
	if res.Previous != "" && res.Previous != o.Provider {
		fmt.Fprintf(o.IO.ErrOut, "route %s moved from provider %q to %q\n", route, res.Previous, o.Provider)
	}
	if res.Uncovered {
		cmdutil.Warn(o.IO, fmt.Sprintf("key-auth does not run on route %s: its requests carry no trusted consumer (per-consumer model lists do not apply); require keys there with route bind %s --consumer NAME", route, route))
	}
	for _, w := range res.Overlaps {
		cmdutil.Warn(o.IO, w+": both would rewrite its requests")
	}
	return o.Output.Mutation(o.IO, res.Result, "route", []string{route}, res, nil)
}
