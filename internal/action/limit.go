package action

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/ratelimit"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// ErrNoRedis marks a limit set where no Redis is configured yet: ai-token-ratelimit counts in Redis.
var ErrNoRedis = errors.New("no redis configured")

// ErrNoLimit marks removing a limit that is not there.
var ErrNoLimit = errors.New("no such limit")

// RateLimitTarget is the ai-token-ratelimit plugin instance named resource ("": found automatically).
func RateLimitTarget(env gateway.Env, resource string) wasmplugin.Target {
	return wasmplugin.Target{Namespace: env.Namespace, Plugin: ratelimit.Plugin, Resource: resource}
}

// Redis says where the plugin's Redis is (a Higress service name, as its service_name reads).
type Redis struct {
	Service  string
	Port     int64
	Password *string // nil keeps the config's
}

// SetLimit gives a consumer (or ratelimit.Everyone) a token limit, globally or on one route,
// creating ai-token-ratelimit on Higress's built-in image when there is none. A route without a
// rule of its own gets one that starts from the global config, so everyone else on the route keeps
// their limits (Higress applies a route's rule instead of the global config).
type SetLimit struct {
	Plugin   string
	Consumer string
	Route    string // "": the global config
	AnyRoute bool
	Window   ratelimit.Window
	Tokens   int64
	Redis    Redis
	DryRun   wasmplugin.DryRun
}

// LimitChanged is what SetLimit or RemoveLimit did.
type LimitChanged struct {
	Plugin   string `json:"plugin"`
	Consumer string `json:"consumer"`
	Scope    string `json:"scope"`
	Window   string `json:"window,omitempty"`
	Tokens   int64  `json:"tokens,omitempty"`
	// Change is added, updated, unchanged or removed.
	Change string   `json:"change"`
	Notes  []string `json:"notes"`
}

var changeNames = map[ratelimit.Change]string{ratelimit.Unchanged: "unchanged", ratelimit.Added: "added", ratelimit.Updated: "updated", ratelimit.Removed: "removed"}

// checkConsumer refuses a consumer key-auth does not know (Everyone is always known).
func checkConsumer(ctx context.Context, env gateway.Env, name string) error {
	if name == ratelimit.Everyone {
		return nil
	}
	ps, err := env.Load(ctx, gateway.Select{})
	if err != nil {
		return err
	}
	if ps.Auth == nil {
		return fmt.Errorf("unknown consumer %q: there is no key-auth plugin in namespace %q", name, env.Namespace)
	}
	if _, ok := ps.Auth.Consumer(name); !ok {
		return fmt.Errorf("unknown consumer %q in wasmplugin %q", name, ps.KeyAuth.Ref())
	}
	return nil
}

// limitScope is where a limit edit applies: the global config, or a route's own rule.
func limitScope(ctx context.Context, env gateway.Env, route string, anyRoute bool) (wasmplugin.Scope, error) {
	if route == "" {
		return wasmplugin.Scope{}, nil
	}
	ps, err := env.Load(ctx, gateway.Select{})
	if err != nil {
		return wasmplugin.Scope{}, err
	}
	r, err := env.LookUpRoute(ctx, ps, route, anyRoute)
	return wasmplugin.Scope{Route: r.Name, Hosts: r.Hosts}, err
}

// Run sets the limit.
func (s SetLimit) Run(ctx context.Context, env gateway.Env) (wasmplugin.Result, LimitChanged, error) {
	if err := checkConsumer(ctx, env, s.Consumer); err != nil {
		return wasmplugin.Result{}, LimitChanged{}, err
	}
	scope, err := limitScope(ctx, env, s.Route, s.AnyRoute)
	if err != nil {
		return wasmplugin.Result{}, LimitChanged{}, err
	}
	opts := wasmplugin.EditOptions{Target: RateLimitTarget(env, s.Plugin), DryRun: s.DryRun, Create: wasmplugin.NewBuiltin}
	return wasmplugin.Edit(ctx, env.Store, opts, func(p wasmplugin.Plugin) (LimitChanged, error) {
		out := LimitChanged{Plugin: p.Ref(), Consumer: s.Consumer, Scope: scope.String(), Window: s.Window.Short(), Tokens: s.Tokens, Notes: []string{}}
		if err := p.CheckReadable(); err != nil {
			return out, err
		}
		isNew := p.Obj.GetResourceVersion() == ""
		raw, install, err := limitPlace(p, scope)
		if err != nil {
			return out, err
		}
		cfg, err := ratelimit.Parse(raw)
		if err != nil {
			return out, fmt.Errorf("cannot read the ai-token-ratelimit config of wasmplugin %q (%s): %w", p.Ref(), scope, err)
		}
		if s.Redis.Service != "" {
			cfg.SetRedis(s.Redis.Service, s.Redis.Port)
		}
		if s.Redis.Password != nil {
			cfg.SetRedisPassword(*s.Redis.Password)
		}
		if cfg.Redis == nil {
			return out, fmt.Errorf("ai-token-ratelimit counts tokens in Redis, and the config for %s names none: %w", scope, ErrNoRedis)
		}
		ch, err := cfg.Set(s.Consumer, s.Window, s.Tokens)
		if err != nil {
			return out, err
		}
		out.Change = changeNames[ch]
		if ch == ratelimit.Unchanged && s.Redis.Service == "" && s.Redis.Password == nil {
			return out, nil
		}
		if install {
			if _, _, err := scope.EnsureRule(p, cfg.Raw()); err != nil {
				return out, err
			}
			out.Notes = append(out.Notes, fmt.Sprintf("the new rule for %s starts from the global limits: Higress applies a route's rule instead of the global config", scope))
		}
		spec := p.Obj.Object["spec"].(map[string]any)
		switch {
		case scope.Global() && p.GlobalDisabled():
			spec["defaultConfigDisable"] = false
		case !scope.Global() && isNew:
			// An empty global config would not load.
			spec["defaultConfigDisable"] = true
		}
		return out, nil
	})
}

// limitPlace is the config a limit edit works on: the global config, the route's own rule, or a
// new rule seeded from the global config (install: added only when the edit changes something).
func limitPlace(p wasmplugin.Plugin, s wasmplugin.Scope) (raw map[string]any, install bool, err error) {
	if s.Global() {
		return p.DefaultConfig(), false, nil
	}
	if r, ok, err := s.Rule(p); err != nil || ok {
		return r.EditConfig(), false, err
	}
	seed := runtime.DeepCopyJSON(p.DefaultConfig())
	if p.GlobalDisabled() {
		// Disabled limits apply nowhere: the new rule keeps only where to count (rule_name, redis).
		delete(seed, "rule_items")
		delete(seed, "global_threshold")
	}
	return seed, true, nil
}

// RemoveLimit drops a consumer's (or ratelimit.Everyone's) limit, globally or on one route. A
// config left without limits cannot load: the global one is disabled, a route's rule removed
// (the route then gets the global limits again).
type RemoveLimit struct {
	Plugin   string
	Consumer string
	Route    string
	DryRun   wasmplugin.DryRun
}

// Run removes the limit.
func (r RemoveLimit) Run(ctx context.Context, env gateway.Env) (wasmplugin.Result, LimitChanged, error) {
	scope := wasmplugin.Scope{Route: r.Route}
	opts := wasmplugin.EditOptions{Target: RateLimitTarget(env, r.Plugin), DryRun: r.DryRun}
	return wasmplugin.Edit(ctx, env.Store, opts, func(p wasmplugin.Plugin) (LimitChanged, error) {
		out := LimitChanged{Plugin: p.Ref(), Consumer: r.Consumer, Scope: scope.String(), Notes: []string{}}
		raw, install, err := limitPlace(p, scope)
		if err != nil {
			return out, err
		}
		if install {
			return out, fmt.Errorf("%s has no limit rule of its own in wasmplugin %q: %w", scope, p.Ref(), ErrNoLimit)
		}
		cfg, err := ratelimit.Parse(raw)
		if err != nil {
			return out, fmt.Errorf("cannot read the ai-token-ratelimit config of wasmplugin %q (%s): %w", p.Ref(), scope, err)
		}
		ch, empty, err := cfg.Remove(r.Consumer)
		if err != nil {
			return out, err
		}
		if ch == ratelimit.Unchanged {
			return out, fmt.Errorf("%q has no limit of its own in %s of wasmplugin %q: %w", r.Consumer, scope, p.Ref(), ErrNoLimit)
		}
		out.Change = changeNames[ch]
		if !empty {
			return out, nil
		}
		if scope.Global() {
			p.Obj.Object["spec"].(map[string]any)["defaultConfigDisable"] = true
			out.Notes = append(out.Notes, "no global limit is left: the global config is disabled (defaultConfigDisable: true)")
		} else {
			if err := scope.RemoveRule(p); err != nil {
				return out, err
			}
			out.Notes = append(out.Notes, fmt.Sprintf("no limit is left in the rule for %s: the rule is removed, and the route gets the global limits again", scope))
		}
		return out, nil
	})
}

// LimitEntry is one limit as limit list shows it.
type LimitEntry struct {
	Consumer string `json:"consumer"`
	Scope    string `json:"scope"`
	Window   string `json:"window"`
	Tokens   int64  `json:"tokens"`
	// By is what the plugin counts by (x-mse-consumer for consumers, a header, parameter...).
	By string `json:"by"`
	// Applies is false for a limit an earlier item always shadows, or in a disabled config.
	Applies bool   `json:"applies"`
	Plugin  string `json:"plugin"`
}

// Limits lists every limit of the plugin p: the global config's, then each enabled route rule's.
func Limits(p wasmplugin.Plugin) ([]LimitEntry, error) {
	out := []LimitEntry{}
	add := func(scope string, raw map[string]any, enabled bool) error {
		cfg, err := ratelimit.Parse(raw)
		if err != nil {
			return fmt.Errorf("cannot read the ai-token-ratelimit config of wasmplugin %q (%s): %w", p.Ref(), scope, err)
		}
		for _, e := range cfg.Entries() {
			out = append(out, LimitEntry{Consumer: e.Consumer, Scope: scope, Window: e.Window.Short(), Tokens: e.Tokens, By: string(e.Type), Applies: enabled && !e.Shadowed, Plugin: p.Ref()})
		}
		return nil
	}
	if err := add("global", p.DefaultConfig(), !p.GlobalDisabled()); err != nil && !p.GlobalDisabled() {
		return nil, err
	}
	rules, err := p.Rules()
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		if r.Config() == nil {
			continue
		}
		if err := add(r.Targets(), r.Config(), !r.Disabled()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ForgetConsumer removes a consumer's own limits from every config of the ai-token-ratelimit
// plugin (the global one and each rule's), when consumer remove takes the consumer away. A
// config left without limits is handled as RemoveLimit does. Nothing is written when the
// consumer has no limit, or there is no plugin.
type ForgetConsumer struct {
	Plugin   string
	Consumer string
	DryRun   wasmplugin.DryRun
}

// Run forgets the consumer's limits and says where they were.
func (f ForgetConsumer) Run(ctx context.Context, env gateway.Env) (wasmplugin.Result, []string, error) {
	p, err := env.Find(ctx, RateLimitTarget(env, f.Plugin))
	if err != nil || p == nil {
		return wasmplugin.Result{}, nil, err
	}
	opts := wasmplugin.EditOptions{Target: RateLimitTarget(env, f.Plugin), DryRun: f.DryRun}
	return wasmplugin.Edit(ctx, env.Store, opts, func(p wasmplugin.Plugin) ([]string, error) {
		var where []string
		forget := func(scope string, raw map[string]any) (empty bool, err error) {
			cfg, err := ratelimit.Parse(raw)
			if err != nil {
				return false, fmt.Errorf("cannot read the ai-token-ratelimit config of wasmplugin %q (%s): %w", p.Ref(), scope, err)
			}
			ch, empty, err := cfg.Remove(f.Consumer)
			if ch == ratelimit.Removed {
				where = append(where, scope)
			}
			return empty && ch == ratelimit.Removed, err
		}
		if empty, err := forget("global", p.DefaultConfig()); err != nil {
			return nil, err
		} else if empty {
			p.Obj.Object["spec"].(map[string]any)["defaultConfigDisable"] = true
		}
		rules, err := p.Rules()
		if err != nil {
			return nil, err
		}
		kept := rules[:0:0]
		for _, r := range rules {
			if r.Config() != nil {
				empty, err := forget(r.Targets(), r.EditConfig())
				if err != nil {
					return nil, err
				}
				if empty {
					continue
				}
			}
			kept = append(kept, r)
		}
		if len(kept) != len(rules) {
			p.SetRules(kept)
		}
		return where, nil
	})
}

// ConsumerLimits are the limits that apply to a consumer: its own, else the default one, in each
// scope.
func ConsumerLimits(p wasmplugin.Plugin, consumer string) ([]LimitEntry, error) {
	all, err := Limits(p)
	if err != nil {
		return nil, err
	}
	own := map[string]bool{}
	for _, e := range all {
		if e.Consumer == consumer && e.By == string(ratelimit.ByConsumer) && e.Applies {
			own[e.Scope] = true
		}
	}
	out := []LimitEntry{}
	for _, e := range all {
		if !e.Applies {
			continue
		}
		if (e.Consumer == consumer && e.By == string(ratelimit.ByConsumer)) || (!own[e.Scope] && e.Consumer == ratelimit.Everyone && e.By == string(ratelimit.ByPerConsumer)) {
			out = append(out, e)
		}
	}
	return out, nil
}
