package action

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/higress-ai/higress-ai/internal/access"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/suggest"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// ErrNoOwnRule marks unbinding from a route or domain governed only by a shared rule.
var ErrNoOwnRule = errors.New("no rule of its own")

// ErrLeavesNobody marks an unbind that would leave allow: [] without being allowed to.
var ErrLeavesNobody = errors.New("leaves nobody allowed")

// Bind adds consumers to the allow list of the key-auth rule of exactly one route or domain,
// creating that rule when absent. The route must be known unless AnyRoute.
type Bind struct {
	Plugin    string
	Scope     wasmplugin.Scope // a route (Hosts filled in by Run) or a domain
	Consumers []string
	AnyRoute  bool
	DryRun    wasmplugin.DryRun
}

// Bound is what Bind or Unbind did.
type Bound struct {
	Target string `json:"target"` // "route gpt-4o", "domain ai.example.com"
	Plugin string `json:"plugin"`
	// Allow is the rule's allow list after the change.
	Allow []string `json:"allow"`
	// Changed are the consumers added (Bind) or removed (Unbind); Present those already bound.
	Changed []string `json:"changed"`
	Present []string `json:"present"`
	// Notes explain what the change did beyond the allow list; Disabled: the rule is switched off.
	Notes    []string `json:"notes"`
	Disabled bool     `json:"disabled"`
	// WroteGlobalAuth: the change wrote global_auth: true (which the console resets on its saves).
	WroteGlobalAuth bool `json:"wroteGlobalAuth"`
}

// scoped fills in a route's hosts, so the domain rules on them count.
func scoped(ctx context.Context, env gateway.Env, plugin string, s wasmplugin.Scope, anyRoute bool) (wasmplugin.Scope, error) {
	if s.Route == "" {
		return s, nil
	}
	ps, err := env.Load(ctx, gateway.Select{KeyAuth: plugin})
	if err != nil {
		return s, err
	}
	r, err := env.LookUpRoute(ctx, ps, s.Route, anyRoute)
	s.Hosts, s.Services = r.Hosts, r.Services
	if ps.Auth != nil {
		s.Matcher = ps.Auth.Build().Matcher()
	}
	return s, err
}

// Run binds the consumers.
func (b Bind) Run(ctx context.Context, env gateway.Env) (wasmplugin.Result, Bound, error) {
	scope, err := scoped(ctx, env, b.Plugin, b.Scope, b.AnyRoute)
	if err != nil {
		return wasmplugin.Result{}, Bound{}, err
	}
	opts := wasmplugin.EditOptions{Target: env.KeyAuth(b.Plugin), DryRun: b.DryRun}
	return wasmplugin.Edit(ctx, env.Store, opts, func(p wasmplugin.Plugin) (Bound, error) {
		out := Bound{Target: scope.String(), Plugin: p.Ref(), Changed: []string{}, Present: []string{}, Notes: []string{}}
		cfg, err := gateway.KeyAuthEditConfig(p)
		if err != nil {
			return out, err
		}
		var unknown []string
		for _, n := range b.Consumers {
			if _, ok := cfg.Consumer(n); !ok {
				unknown = append(unknown, n)
			}
		}
		if len(unknown) > 0 {
			hint := ""
			if s, ok := suggest.Closest(unknown[0], gateway.ConsumerNames(cfg)); ok && len(unknown) == 1 {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			return out, gateway.Mark(gateway.ErrUnknownConsumer, "unknown consumer %s in wasmplugin %q%s", gateway.QuoteNames(unknown), p.Ref(), hint)
		}
		seed := map[string]any{}
		keyauth.SetAllow(seed, nil)
		if shared, ok, err := scope.Effective(p); err != nil {
			return out, err
		} else if ok && !owns(shared, scope) {
			if names, has := keyauth.Allow(shared.Config()); has {
				keyauth.SetAllow(seed, names)
				out.Notes = append(out.Notes, fmt.Sprintf("%s was governed by the rule for %s: its new rule of its own starts with that allow list (%s)", scope, shared.Targets(), strings.Join(names, ",")))
			}
		}
		firstRule, err := opensOtherRoutes(p, cfg)
		if err != nil {
			return out, err
		}
		rule, created, err := scope.EnsureRule(p, seed)
		if err != nil {
			return out, err
		}
		if created && firstRule {
			// With global_auth unset, the first rule would switch key-auth off on every other route.
			p.DefaultConfig()["global_auth"] = true
			out.WroteGlobalAuth = true
			out.Notes = append(out.Notes, "global_auth was unset and no rule existed, so every route needed a key; wrote global_auth: true so the other routes still do (a first rule would have let them be called without a key)")
		}
		out.Disabled = rule.Disabled()
		names, _ := keyauth.Allow(rule.Config())
		for _, n := range b.Consumers {
			if slices.Contains(names, n) {
				out.Present = append(out.Present, n)
				continue
			}
			names = append(names, n)
			out.Changed = append(out.Changed, n)
		}
		keyauth.SetAllow(rule.EditConfig(), names)
		out.Allow = append([]string{}, names...)
		return out, nil
	})
}

func owns(r wasmplugin.Rule, s wasmplugin.Scope) bool {
	if s.Route != "" {
		return r.IsRoute(s.Route)
	}
	return r.IsDomain(s.Domain)
}

// opensOtherRoutes reports a plugin where a first enabled rule would open every other route:
// global_auth unset means auth everywhere only while no enabled rule exists.
func opensOtherRoutes(p wasmplugin.Plugin, cfg *keyauth.Config) (bool, error) {
	if cfg.GlobalAuth() != nil || p.GlobalDisabled() {
		return false, nil
	}
	enabled, err := wasmplugin.Enabled(p)
	return len(enabled) == 0, err
}

// Unbind removes consumers from the allow list of the rule of exactly one route or domain.
// Leaving the list empty (allow: [], which denies everyone) is an ErrLeavesNobody error unless
// MayEmpty.
type Unbind struct {
	Plugin    string
	Scope     wasmplugin.Scope
	Consumers []string
	MayEmpty  bool
	DryRun    wasmplugin.DryRun
}

// Plan is the allow list Run would leave, without writing.
func (u Unbind) Plan(ctx context.Context, env gateway.Env) (Bound, error) {
	d := u
	d.DryRun, d.MayEmpty = wasmplugin.DryRunClient, true
	_, out, err := d.Run(ctx, env)
	return out, err
}

// Run unbinds the consumers.
func (u Unbind) Run(ctx context.Context, env gateway.Env) (wasmplugin.Result, Bound, error) {
	// The route's hosts only help say which rule governs it: an unknown route is no error here.
	scope, _ := scoped(ctx, env, u.Plugin, u.Scope, true)
	opts := wasmplugin.EditOptions{Target: env.KeyAuth(u.Plugin), DryRun: u.DryRun}
	return wasmplugin.Edit(ctx, env.Store, opts, func(p wasmplugin.Plugin) (Bound, error) {
		out := Bound{Target: scope.String(), Plugin: p.Ref(), Changed: []string{}, Present: []string{}, Notes: []string{}}
		if err := keyauth.CheckWritable(p.URL(), p.Ref()); err != nil {
			return out, err
		}
		rule, ok, err := scope.Rule(p)
		if err != nil {
			return out, err
		}
		if !ok {
			msg := fmt.Sprintf("%s has no key-auth rule of its own in wasmplugin %q", scope, p.Ref())
			if shared, ok, _ := scope.Effective(p); ok {
				msg += fmt.Sprintf("; it is governed by the rule for %s, which is not edited here", shared.Targets())
			}
			return out, gateway.Mark(ErrNoOwnRule, "%s", msg)
		}
		names, _ := keyauth.Allow(rule.Config())
		var missing []string
		for _, n := range u.Consumers {
			if !slices.Contains(names, n) {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			return out, fmt.Errorf("%s not bound to %s", gateway.QuoteNames(missing), scope)
		}
		left := slices.DeleteFunc(names, func(n string) bool { return slices.Contains(u.Consumers, n) })
		if len(left) == 0 && !u.MayEmpty {
			return out, gateway.Mark(ErrLeavesNobody, "unbinding the last consumer leaves %s with allow: [], which denies everyone", scope)
		}
		keyauth.SetAllow(rule.EditConfig(), left)
		out.Allow, out.Changed = append([]string{}, left...), append(out.Changed, u.Consumers...)
		out.Disabled = rule.Disabled()
		return out, nil
	})
}

// SetGlobalAuth writes key-auth's global_auth: on, every request no rule covers needs a key of
// some consumer; off, only routes and domains with a rule ask for one. It creates key-auth.internal
// as the console would when there is no key-auth plugin.
type SetGlobalAuth struct {
	Plugin string
	On     bool
	DryRun wasmplugin.DryRun
}

// GlobalAuth is what SetGlobalAuth did.
type GlobalAuth struct {
	Plugin     string `json:"plugin"`
	GlobalAuth bool   `json:"globalAuth"`
	// Was is the global auth in force before (global_auth unset counts as what the gateway does).
	Was bool `json:"was"`
}

// Run writes global_auth.
func (g SetGlobalAuth) Run(ctx context.Context, env gateway.Env) (wasmplugin.Result, GlobalAuth, error) {
	opts := wasmplugin.EditOptions{Target: env.KeyAuth(g.Plugin), DryRun: g.DryRun, Create: wasmplugin.NewBuiltin}
	return wasmplugin.Edit(ctx, env.Store, opts, func(p wasmplugin.Plugin) (GlobalAuth, error) {
		out := GlobalAuth{Plugin: p.Ref(), GlobalAuth: g.On}
		cfg, err := gateway.KeyAuthEditConfig(p)
		if err != nil {
			return out, err
		}
		if p.Obj.GetResourceVersion() != "" || p.Obj.GetUID() != "" {
			gate, err := access.GateOn(&p, cfg, wasmplugin.Scope{})
			if err != nil {
				return out, err
			}
			out.Was = gate.Key
		}
		p.DefaultConfig()["global_auth"] = g.On
		return out, nil
	})
}

// DeleteRules deletes the rules of exactly one route or domain (those whose only target it is)
// from the key-auth and request-block plugins: the way back from a rule made for a mistyped route.
// Rules shared with other targets are left alone.
type DeleteRules struct {
	Scope  wasmplugin.Scope
	DryRun wasmplugin.DryRun
}

// DeletedRule is one plugin's part of DeleteRules.
type DeletedRule struct {
	Result wasmplugin.Result `json:"-"`
	Plugin string            `json:"plugin"`
	Target string            `json:"target"`
}

// Run deletes the rules; a scope with no rule of its own in either plugin is an ErrNoOwnRule error.
func (d DeleteRules) Run(ctx context.Context, env gateway.Env) ([]DeletedRule, error) {
	out := []DeletedRule{}
	for _, t := range []wasmplugin.Target{env.KeyAuth(""), env.Block("")} {
		p, err := env.Find(ctx, t)
		if err != nil {
			return out, err
		}
		if p == nil {
			continue
		}
		if _, ok, err := d.Scope.Rule(*p); err != nil {
			return out, err
		} else if !ok {
			continue
		}
		opts := wasmplugin.EditOptions{Target: wasmplugin.Target{Namespace: t.Namespace, Plugin: t.Plugin, Resource: p.Name()}, DryRun: d.DryRun}
		res, _, err := wasmplugin.Edit(ctx, env.Store, opts, func(p wasmplugin.Plugin) (struct{}, error) {
			return struct{}{}, d.Scope.RemoveRule(p)
		})
		if err != nil {
			return out, err
		}
		out = append(out, DeletedRule{Result: res, Plugin: res.Plugin.Ref(), Target: d.Scope.String()})
	}
	if len(out) == 0 {
		return out, gateway.Mark(ErrNoOwnRule, "%s has no key-auth or request-block rule of its own", d.Scope)
	}
	return out, nil
}
