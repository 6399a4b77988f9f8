// Package gateway answers what a Higress gateway does as its WasmPlugins and Ingresses configure
// it: which key-auth and request-block config governs a route or domain, the route table, a
// consumer's effective policy, and the one route look-up. It reads and decides, never writes or
// prints (internal/action makes the changes); the commands, the dashboard and doctor share it.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/suggest"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// Env is where the gateway's configuration lives: a store of WasmPlugins (a cluster or a folder)
// in Higress's namespace, and the routes it serves.
type Env struct {
	Store     k8s.Store
	Namespace string
	// Ingresses lists the routes Higress serves (Ingresses of its class); nil when they cannot
	// be listed at all, and then only the routes named in match rules are known.
	Ingresses func(ctx context.Context) ([]k8s.Route, error)
}

// KeyAuth is the key-auth plugin instance named resource ("": found automatically).
func (e Env) KeyAuth(resource string) wasmplugin.Target {
	return wasmplugin.Target{Namespace: e.Namespace, Plugin: keyauth.Plugin, Resource: resource}
}

// Block is the request-block plugin instance named resource ("": found automatically).
func (e Env) Block(resource string) wasmplugin.Target {
	return wasmplugin.Target{Namespace: e.Namespace, Plugin: requestblock.Plugin, Resource: resource}
}

// Find returns the plugin instance of t, nil when there is none.
func (e Env) Find(ctx context.Context, t wasmplugin.Target) (*wasmplugin.Plugin, error) {
	return wasmplugin.Find(ctx, e.Store, t)
}

// Routes lists the Ingresses Higress serves; none when the Env cannot list them.
func (e Env) Routes(ctx context.Context) ([]k8s.Route, error) {
	if e.Ingresses == nil {
		return nil, nil
	}
	return e.Ingresses(ctx)
}

// Select names the plugin instances to read; empty names are found automatically.
type Select struct {
	KeyAuth string
	Block   string
}

// Plugins are the plugins of a namespace that decide who may call what; each may be absent.
type Plugins struct {
	KeyAuth *wasmplugin.Plugin
	Auth    *keyauth.Config // KeyAuth's config; nil when KeyAuth is
	Block   *wasmplugin.Plugin
}

// Load reads the key-auth and request-block plugins.
func (e Env) Load(ctx context.Context, sel Select) (Plugins, error) {
	var ps Plugins
	var err error
	if ps.KeyAuth, err = e.Find(ctx, e.KeyAuth(sel.KeyAuth)); err != nil {
		return ps, err
	}
	if ps.KeyAuth != nil {
		if ps.Auth, err = KeyAuthConfig(*ps.KeyAuth); err != nil {
			return ps, err
		}
	}
	if ps.Block, err = e.Find(ctx, e.Block(sel.Block)); err != nil {
		return ps, err
	}
	return ps, nil
}

// KeyAuthConfig reads a key-auth plugin's config as its build reads it, saying where it cannot
// be read.
func KeyAuthConfig(p wasmplugin.Plugin) (*keyauth.Config, error) {
	if err := p.CheckReadable(); err != nil {
		return nil, err
	}
	cfg, err := keyauth.Parse(p.DefaultConfig())
	if err != nil {
		return nil, fmt.Errorf("cannot read the key-auth config of wasmplugin %q: spec.defaultConfig.%w", p.Ref(), err)
	}
	return cfg.ReadAs(keyauth.BuildOf(p.URL())), nil
}

// KeyAuthEditConfig is KeyAuthConfig for an edit: it refuses a plugin whose build would not load
// what this tool writes.
func KeyAuthEditConfig(p wasmplugin.Plugin) (*keyauth.Config, error) {
	cfg, err := KeyAuthConfig(p)
	if err != nil {
		return nil, err
	}
	return cfg, keyauth.CheckWritable(p.URL(), p.Ref())
}

// ErrUnknownConsumer marks an error about a consumer the key-auth plugin does not hold.
var ErrUnknownConsumer = errors.New("unknown consumer")

// ConsumerNotFound is the error for a consumer the key-auth plugin p does not hold, with the name
// the user probably meant.
func ConsumerNotFound(p wasmplugin.Plugin, cfg *keyauth.Config, name string) error {
	return Mark(ErrUnknownConsumer, "consumer %q not found in wasmplugin %q%s", name, p.Ref(), didYouMean(name, ConsumerNames(cfg)))
}

// ConsumerNames lists the consumers of a key-auth config (nil: none), in config order.
func ConsumerNames(cfg *keyauth.Config) []string {
	if cfg == nil {
		return nil
	}
	var out []string
	for _, c := range cfg.Consumers() {
		out = append(out, c.Name())
	}
	return out
}

// AllowedOn lists the match rules of the plugin whose allow list names the consumer.
func AllowedOn(p wasmplugin.Plugin, name string) ([]wasmplugin.Rule, error) {
	rules, err := p.Rules()
	if err != nil {
		return nil, err
	}
	var out []wasmplugin.Rule
	for _, r := range rules {
		if names, ok := keyauth.Allow(r.Config()); ok {
			for _, n := range names {
				if n == name {
					out = append(out, r)
					break
				}
			}
		}
	}
	return out, nil
}

// QuoteNames quotes each name for messages: "a", "b".
func QuoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func didYouMean(name string, candidates []string) string {
	if s, ok := suggest.Closest(name, candidates); ok {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// Mark is an error with this message that errors.Is finds to be of the given kind (a sentinel
// such as ErrUnknownRoute), so a front end can add its own hint without parsing the message.
func Mark(kind error, format string, args ...any) error {
	return &marked{msg: fmt.Sprintf(format, args...), kind: kind}
}

type marked struct {
	msg  string
	kind error
}

func (e *marked) Error() string        { return e.msg }
func (e *marked) Is(target error) bool { return target == e.kind }
