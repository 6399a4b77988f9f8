// Package aiplugin is the action layer for the bundled ai-proxy plugin and the AI plugins around
// it: install, uninstall and rollback of its WasmPlugin, the upstream providers and their keys,
// which route uses which provider, the models each consumer may call, and the list of every AI
// plugin. Actions return values and never print; commands, the dashboard and doctor share them.
package aiplugin

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// ErrNotInstalled is returned when the bundled plugin is not installed.
var ErrNotInstalled = errors.New("the bundled ai-proxy is not installed: run higress-ai plugin install first")

// Target is the bundled plugin's WasmPlugin in a namespace.
func Target(namespace string) wasmplugin.Target {
	return wasmplugin.Target{Namespace: namespace, Plugin: aiproxy.Plugin}
}

// Find returns the installed bundled plugin, nil when there is none.
func Find(ctx context.Context, store k8s.Store, namespace string) (*wasmplugin.Plugin, error) {
	return wasmplugin.Find(ctx, store, Target(namespace))
}

// edit runs mutate on the installed bundled plugin (the one place this package calls the edit loop).
func edit(ctx context.Context, store k8s.Store, namespace string, dry wasmplugin.DryRun, mutate wasmplugin.Mutation) (wasmplugin.Result, error) {
	res, err := wasmplugin.Edit(ctx, store, Target(namespace), false, dry, mutate)
	if errors.Is(err, wasmplugin.ErrNotFound) {
		return res, ErrNotInstalled
	}
	return res, err
}

// editShared changes the shared config of the installed plugin and brings every bound route's
// rule in step, refusing a result the plugin would not load.
func editShared(ctx context.Context, store k8s.Store, namespace string, dry wasmplugin.DryRun, change func(p wasmplugin.Plugin, cfg *aiproxy.Config) error) (wasmplugin.Result, error) {
	return edit(ctx, store, namespace, dry, func(p wasmplugin.Plugin) error {
		cfg, err := parse(p)
		if err != nil {
			return err
		}
		if err := change(p, cfg); err != nil {
			return err
		}
		return sync(p, cfg)
	})
}

// parse reads the plugin's shared config.
func parse(p wasmplugin.Plugin) (*aiproxy.Config, error) {
	if err := p.CheckReadable(); err != nil {
		return nil, err
	}
	cfg, err := aiproxy.Parse(p.DefaultConfig())
	if err != nil {
		return nil, fmt.Errorf("cannot read the ai-proxy config of wasmplugin %q: spec.defaultConfig.%w", p.Ref(), err)
	}
	return cfg, nil
}

// sync rewrites every rule that binds a route to a provider from the shared config, then checks
// the shared config and each rule's as the plugin reads them.
func sync(p wasmplugin.Plugin, cfg *aiproxy.Config) error {
	if err := aiproxy.Check(cfg.Raw()); err != nil {
		return fmt.Errorf("the ai-proxy config of wasmplugin %q would not load: spec.defaultConfig.%w", p.Ref(), err)
	}
	rules, err := p.Rules()
	if err != nil {
		return err
	}
	for _, r := range rules {
		old := r.Config()
		id := aiproxy.ActiveProvider(old)
		if id == "" {
			continue
		}
		next := aiproxy.RuleConfig(cfg.Raw(), id, old)
		if err := aiproxy.Check(runtime.DeepCopyJSON(next)); err != nil {
			return fmt.Errorf("the ai-proxy config of wasmplugin %q would not load: spec.matchRules[%d].config.%w", p.Ref(), r.Index, err)
		}
		cfgMap := r.EditConfig()
		for k := range cfgMap {
			delete(cfgMap, k)
		}
		for k, v := range next {
			cfgMap[k] = v
		}
	}
	return nil
}

// Bindings maps each route the plugin serves to its provider id, from the plugin's enabled rules.
func Bindings(p wasmplugin.Plugin) (map[string]string, error) {
	rules, err := p.Rules()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, r := range rules {
		id := aiproxy.ActiveProvider(r.Config())
		if id == "" || r.Disabled() {
			continue
		}
		for _, route := range r.Ingress() {
			if _, seen := out[route]; !seen {
				out[route] = id
			}
		}
	}
	return out, nil
}

// keyAuthPlugin finds the key-auth plugin (nil when none is installed) and its config.
func keyAuthPlugin(ctx context.Context, store k8s.Store, namespace string) (*wasmplugin.Plugin, *keyauth.Config, error) {
	p, err := wasmplugin.Find(ctx, store, wasmplugin.Target{Namespace: namespace, Plugin: keyauth.Plugin})
	if err != nil || p == nil {
		return nil, nil, err
	}
	if err := p.CheckReadable(); err != nil {
		return nil, nil, err
	}
	cfg, err := keyauth.Parse(p.DefaultConfig())
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read the key-auth config of wasmplugin %q: spec.defaultConfig.%w", p.Ref(), err)
	}
	return p, cfg, nil
}
