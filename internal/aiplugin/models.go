package aiplugin

import (
	"context"
	"fmt"

	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// SetModels sets the models a consumer may call. The consumer must exist in key-auth: a list for
// a name no key carries would never apply.
func SetModels(ctx context.Context, store k8s.Store, namespace string, dry wasmplugin.DryRun, consumer string, models []string) (wasmplugin.Result, error) {
	kp, kcfg, err := keyAuthPlugin(ctx, store, namespace)
	if err != nil {
		return wasmplugin.Result{}, err
	}
	if kp == nil {
		return wasmplugin.Result{}, fmt.Errorf("consumer %q not found: no key-auth wasmplugin in namespace %q", consumer, namespace)
	}
	if _, ok := kcfg.Consumer(consumer); !ok {
		return wasmplugin.Result{}, fmt.Errorf("consumer %q not found in wasmplugin %q", consumer, kp.Ref())
	}
	return CheckedSetModels(ctx, store, namespace, dry, consumer, models)
}

// CheckedSetModels sets a consumer's models without looking the consumer up in key-auth (for
// consumer add, which is creating it).
func CheckedSetModels(ctx context.Context, store k8s.Store, namespace string, dry wasmplugin.DryRun, consumer string, models []string) (wasmplugin.Result, error) {
	return editShared(ctx, store, namespace, dry, func(_ wasmplugin.Plugin, cfg *aiproxy.Config) error {
		return cfg.SetModels(consumer, models)
	})
}

// Models returns the models a consumer may call: ok false when the plugin is not installed or
// has no list for it (then any model, or the plugin's list for callers without one).
func Models(ctx context.Context, store k8s.Store, namespace, consumer string) (models []string, ok bool, err error) {
	p, err := Find(ctx, store, namespace)
	if err != nil || p == nil {
		return nil, false, err
	}
	cfg, err := parse(*p)
	if err != nil {
		return nil, false, err
	}
	models, ok = cfg.Models(consumer)
	return models, ok, nil
}

// RemoveModels drops a consumer's model list (consumer remove); no plugin or no list is no change.
func RemoveModels(ctx context.Context, store k8s.Store, namespace string, dry wasmplugin.DryRun, consumer string) (wasmplugin.Result, bool, error) {
	p, err := Find(ctx, store, namespace)
	if err != nil || p == nil {
		return wasmplugin.Result{}, false, err
	}
	removed := false
	res, err := editShared(ctx, store, namespace, dry, func(_ wasmplugin.Plugin, cfg *aiproxy.Config) error {
		removed = cfg.RemoveConsumer(consumer)
		return nil
	})
	return res, removed, err
}
