package route

import (
	"fmt"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

// providerBindRun points a route at a provider of the bundled ai-proxy.
func providerBindRun(o *BindOptions) error {
	f := o.F
	store, err := f.Store()
	if err != nil {
		return err
	}
	routes, err := f.Routes(store)
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "warning: cannot list routes (%v): %q is not checked\n", err, o.Route)
		routes = nil
	}
	res, err := aiplugin.BindRoute(f.Context, store, aiplugin.BindOptions{
		Namespace: f.Namespace(), Route: o.Route, Provider: o.Provider, DryRun: o.DryRun, Routes: routes, AnyRoute: o.AnyRoute,
	})
	if err != nil {
		return err
	}
	if res.Previous != "" && res.Previous != o.Provider {
		fmt.Fprintf(f.IO.ErrOut, "route %s moved from provider %q to %q\n", o.Route, res.Previous, o.Provider)
	}
	if res.Uncovered {
		fmt.Fprintf(f.IO.ErrOut, "warning: key-auth does not run on route %s: its requests carry no trusted consumer (per-consumer model lists do not apply); require keys there with route bind %s --consumer NAME\n", o.Route, o.Route)
	}
	for _, w := range res.Overlaps {
		fmt.Fprintf(f.IO.ErrOut, "warning: %s: both would rewrite its requests\n", w)
	}
	cmdutil.ReportEdit(f.IO, res.Result)
	return nil
}
