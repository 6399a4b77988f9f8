package aiplugin

import (
	"context"
	"fmt"
	"slices"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// InstallOptions say what plugin install writes.
type InstallOptions struct {
	Namespace  string
	Image      aiproxy.Image
	FailOpen   bool   // failStrategy FAIL_OPEN instead of FAIL_CLOSE
	PullSecret string // spec.imagePullSecret; "" keeps what is there
	DryRun     wasmplugin.DryRun
	// Routes are the gateway's routes (for their hosts); nil when they could not be listed.
	Routes []k8s.Route
}

// InstallResult is what install did.
type InstallResult struct {
	wasmplugin.Result
	KeyAuth  aiproxy.KeyAuth
	Bindings map[string]string // route -> provider
	// Uncovered are the bound routes key-auth does not run on: their requests carry no trusted
	// consumer, so per-consumer model lists do not apply and usage is not attributed.
	Uncovered []string
	// NoKeyAuth is set when no key-auth plugin is installed at all.
	NoKeyAuth bool
	// Overlaps name the bound routes Higress's own ai-proxy would also proxy (see Overlaps).
	Overlaps []string
}

// Install creates the bundled plugin's WasmPlugin, or updates it in place (same name, never a
// second one): the image pinned by digest, phase and priority where the console puts ai-proxy, the
// console's labels, failStrategy, and the keyAuth block from the key-auth plugin as it is now.
func Install(ctx context.Context, store k8s.Store, o InstallOptions) (InstallResult, error) {
	var out InstallResult
	kp, kcfg, err := keyAuthPlugin(ctx, store, o.Namespace)
	if err != nil {
		return out, err
	}
	block, err := KeyAuthBlock(kp, kcfg)
	if err != nil {
		return out, err
	}
	out.KeyAuth, out.NoKeyAuth = block, kp == nil
	mutate := func(p wasmplugin.Plugin) error {
		aiproxy.SetLabels(p)
		aiproxy.SetImage(p, o.Image)
		spec := p.Obj.Object["spec"].(map[string]any)
		spec["phase"] = aiproxy.Phase
		spec["priority"] = aiproxy.Priority
		spec["failStrategy"] = "FAIL_CLOSE"
		if o.FailOpen {
			spec["failStrategy"] = "FAIL_OPEN"
		}
		if o.PullSecret != "" {
			spec["imagePullSecret"] = o.PullSecret
		}
		cfg, err := parse(p)
		if err != nil {
			return err
		}
		aiproxy.SetKeyAuth(cfg.Raw(), block)
		return sync(p, cfg)
	}
	res, err := createOrEdit(ctx, store, o.Namespace, o.DryRun, mutate)
	if err != nil {
		return out, err
	}
	out.Result = res
	if out.Bindings, err = Bindings(res.Plugin); err != nil {
		return out, err
	}
	out.Uncovered = uncovered(block, out.Bindings, o.Routes)
	var bound []string
	for r := range out.Bindings {
		bound = append(bound, r)
	}
	out.Overlaps, err = Overlaps(ctx, store, o.Namespace, bound)
	return out, err
}

// uncovered lists the bound routes key-auth does not run on, sorted.
func uncovered(k aiproxy.KeyAuth, bindings map[string]string, routes []k8s.Route) []string {
	var out []string
	for route := range bindings {
		var hosts []string
		if i := slices.IndexFunc(routes, func(r k8s.Route) bool { return r.Name == route }); i >= 0 {
			hosts = routes[i].Hosts
		}
		if !k.Covers(route, hosts) {
			out = append(out, route)
		}
	}
	sort.Strings(out)
	return out
}

// createOrEdit edits the installed plugin, or creates it from aiproxy.New when there is none.
func createOrEdit(ctx context.Context, store k8s.Store, namespace string, dry wasmplugin.DryRun, mutate wasmplugin.Mutation) (wasmplugin.Result, error) {
	for {
		cur, err := Find(ctx, store, namespace)
		if err != nil {
			return wasmplugin.Result{}, err
		}
		if cur != nil {
			return edit(ctx, store, namespace, dry, mutate)
		}
		p := aiproxy.New(namespace)
		if err := mutate(p); err != nil {
			return wasmplugin.Result{}, err
		}
		if err := p.Validate(); err != nil {
			return wasmplugin.Result{}, err
		}
		res := wasmplugin.Result{Plugin: p, Created: true, Changed: true, DryRun: dry}
		if dry == wasmplugin.DryRunClient {
			return res, nil
		}
		obj, err := store.Create(ctx, p.Obj, k8s.WriteOptions{ServerDryRun: dry == wasmplugin.DryRunServer})
		if apierrors.IsAlreadyExists(err) {
			continue // another writer created it meanwhile: update theirs
		}
		if err != nil {
			return wasmplugin.Result{}, err
		}
		res.Plugin = wasmplugin.Plugin{Obj: obj}
		return res, nil
	}
}

// Uninstall deletes the bundled plugin's WasmPlugin and returns it as it was.
func Uninstall(ctx context.Context, store k8s.Store, namespace string, dry wasmplugin.DryRun) (wasmplugin.Plugin, error) {
	p, err := Find(ctx, store, namespace)
	if err != nil {
		return wasmplugin.Plugin{}, err
	}
	if p == nil {
		return wasmplugin.Plugin{}, ErrNotInstalled
	}
	if dry == wasmplugin.DryRunClient {
		return *p, nil
	}
	d, ok := store.(k8s.Deleter)
	if !ok {
		return wasmplugin.Plugin{}, fmt.Errorf("%s cannot delete wasmplugins", store.Describe())
	}
	return *p, d.Delete(ctx, p.Namespace(), p.Name(), p.Obj.GetResourceVersion(), k8s.WriteOptions{ServerDryRun: dry == wasmplugin.DryRunServer})
}

// Rollback points the plugin back at the image installed before the current one (which becomes
// the previous one, so a second rollback goes forward again).
func Rollback(ctx context.Context, store k8s.Store, namespace string, dry wasmplugin.DryRun) (wasmplugin.Result, aiproxy.Image, error) {
	var to aiproxy.Image
	res, err := edit(ctx, store, namespace, dry, func(p wasmplugin.Plugin) error {
		prev, ok := aiproxy.PreviousImage(p)
		if !ok {
			return fmt.Errorf("wasmplugin %q records no image installed before %q: nothing to roll back to", p.Ref(), aiproxy.CurrentImage(p).URL)
		}
		to = prev
		aiproxy.SetImage(p, prev)
		return nil
	})
	return res, to, err
}

// StatisticsPlugin is Higress's ai-statistics, which feeds the gateway's AI metrics.
const StatisticsPlugin = "ai-statistics"

// EnsureStatistics installs ai-statistics as the console does (the built-in image,
// UNSPECIFIED_PHASE/900, its labels) when absent, and takes out of its config any attribute that
// writes the consumer into ai_log: the bundled plugin writes the consumer itself, and
// ai-statistics, writing after it, would replace it with the raw header. It returns how many such
// attributes it removed.
func EnsureStatistics(ctx context.Context, store k8s.Store, namespace string, dry wasmplugin.DryRun) (wasmplugin.Result, int, error) {
	removed := 0
	res, err := wasmplugin.Edit(ctx, store, wasmplugin.Target{Namespace: namespace, Plugin: StatisticsPlugin}, true, dry, func(p wasmplugin.Plugin) error {
		removed = 0
		if err := p.CheckReadable(); err != nil {
			return err
		}
		removed += dropConsumerAttribute(p.DefaultConfig())
		rules, err := p.Rules()
		if err != nil {
			return err
		}
		for _, r := range rules {
			if cfg := r.Config(); cfg != nil {
				removed += dropConsumerAttribute(cfg)
			}
		}
		return nil
	})
	return res, removed, err
}

// dropConsumerAttribute removes ai-statistics attributes that log the consumer.
func dropConsumerAttribute(cfg map[string]any) int {
	list, ok := cfg["attributes"].([]any)
	if !ok {
		return 0
	}
	kept := make([]any, 0, len(list))
	for _, a := range list {
		if m, ok := a.(map[string]any); ok && m["key"] == "consumer" {
			continue
		}
		kept = append(kept, a)
	}
	if n := len(list) - len(kept); n > 0 {
		cfg["attributes"] = kept
		return n
	}
	return 0
}

// RefreshKeyAuth rewrites the installed plugin's keyAuth block from the key-auth plugin as it is
// now, after a command changed where key-auth runs or which names carry keys (route bind and
// unbind, consumer add and remove). Nothing is written when the plugin is not installed or the
// block is unchanged.
func RefreshKeyAuth(ctx context.Context, store k8s.Store, namespace string, dry wasmplugin.DryRun) (wasmplugin.Result, error) {
	p, err := Find(ctx, store, namespace)
	if err != nil || p == nil {
		return wasmplugin.Result{}, err
	}
	kp, kcfg, err := keyAuthPlugin(ctx, store, namespace)
	if err != nil {
		return wasmplugin.Result{}, err
	}
	block, err := KeyAuthBlock(kp, kcfg)
	if err != nil {
		return wasmplugin.Result{}, err
	}
	return editShared(ctx, store, namespace, dry, func(_ wasmplugin.Plugin, cfg *aiproxy.Config) error {
		aiproxy.SetKeyAuth(cfg.Raw(), block)
		return nil
	})
}
