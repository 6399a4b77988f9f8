// Package access decides who may call a route or domain under the key-auth plugin, as the gateway
// does: the domain logic shared by route list, route bind and consumer show.
package access

import (
	"slices"

	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// Gate is what key-auth asks of a request to a route or domain.
type Gate struct {
	Key bool // a valid key is needed
	// Allow names the consumers whose key opens it; nil: any consumer's.
	Allow []string
	// Rule names the match rule that decides ("route a, b"); "" when the global config does.
	Rule string
}

// Admits reports whether the consumer may call: no key is needed, or its key opens it.
func (g Gate) Admits(name string) bool {
	return !g.Key || g.Allow == nil || slices.Contains(g.Allow, name)
}

// GateOn is what the key-auth plugin p (nil: none installed) does on a scope, as Higress's C++
// key-auth decides (plugins/wasm-cpp/common/route_rule_matcher.h): the first enabled match rule
// covering it, with its allow list; else the global config, which needs a key when global_auth is
// true, or when it is unset and no enabled rule exists at all. A global allow list is not read.
func GateOn(p *wasmplugin.Plugin, cfg *keyauth.Config, s wasmplugin.Scope) (Gate, error) {
	if p == nil {
		return Gate{}, nil
	}
	global := cfg.GlobalAuth()
	r, ok, err := s.Effective(*p)
	switch {
	case err != nil:
		return Gate{}, err
	case ok:
		if names, has := keyauth.Allow(r.Config()); has {
			return Gate{Key: true, Allow: append([]string{}, names...), Rule: r.Targets()}, nil
		}
		// A rule with key-auth settings of its own and no allow list: any of its consumers, unless
		// global_auth is false, which then lets every request through.
		return Gate{Key: global == nil || *global, Rule: r.Targets()}, nil
	case p.GlobalDisabled():
		return Gate{}, nil
	case global != nil:
		return Gate{Key: *global}, nil
	}
	enabled, err := wasmplugin.Enabled(*p)
	return Gate{Key: len(enabled) == 0}, err
}
