// Package access decides who may call a route or domain under the key-auth plugin, as the gateway
// does: the domain logic shared by route list, route bind and consumer show.
package access

import (
	"fmt"
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
	s.Matcher = cfg.Build().Matcher()
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

// GlobalEffect says what the global_auth in force does to the requests no key-auth rule covers,
// for route list: "" when no key-auth plugin is installed.
func GlobalEffect(p *wasmplugin.Plugin, cfg *keyauth.Config) (string, error) {
	if p == nil {
		return "", nil
	}
	g, err := GateOn(p, cfg, wasmplugin.Scope{})
	if err != nil {
		return "", err
	}
	value := "unset"
	if v := cfg.GlobalAuth(); v != nil {
		value = fmt.Sprint(*v)
	}
	switch {
	case p.GlobalDisabled():
		return fmt.Sprintf("global_auth %s, but the global config is disabled (defaultConfigDisable: true): routes without a key-auth rule need no key", value), nil
	case g.Key && value == "true":
		return "global_auth true: routes without a key-auth rule need any consumer's key; " + keyauth.ConsoleResetsGlobalAuth, nil
	case g.Key:
		return "global_auth unset and no enabled key-auth rule: every route needs any consumer's key (a first rule would end that)", nil
	case value == "false":
		return "global_auth false: routes without a key-auth rule need no key", nil
	}
	return "global_auth unset and a key-auth rule exists: routes without a key-auth rule need no key", nil
}
