package aiplugin

import (
	"github.com/higress-ai/higress-ai/internal/access"
	"github.com/higress-ai/higress-ai/internal/aiproxy"
	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// KeyAuthBlock is the keyAuth block for the key-auth plugin p (nil: none installed, so key-auth
// runs nowhere): global when key-auth's global config is in force for every request, the routes and
// domains of its enabled rules, and the header and query names its consumers' keys come in.
func KeyAuthBlock(p *wasmplugin.Plugin, cfg *keyauth.Config) (aiproxy.KeyAuth, error) {
	var k aiproxy.KeyAuth
	if p == nil {
		k.Normalize()
		return k, nil
	}
	// What key-auth does where no rule applies: a scope no rule names gets the global decision.
	g, err := access.GateOn(p, cfg, wasmplugin.Scope{Route: "\x00no-such-route"})
	if err != nil {
		return k, err
	}
	k.Global = g.Key
	enabled, err := wasmplugin.Enabled(*p)
	if err != nil {
		return k, err
	}
	for _, r := range enabled {
		k.Routes = append(k.Routes, r.Ingress()...)
		if len(r.Ingress()) == 0 {
			// A rule naming both ingress and domain is a route rule only.
			k.Domains = append(k.Domains, r.Domain()...)
		}
	}
	inHeader, inQuery := flag(p.DefaultConfig(), "in_header"), flag(p.DefaultConfig(), "in_query")
	for _, name := range cfg.Keys() {
		if inHeader {
			k.Keys = append(k.Keys, name)
		}
		if inQuery {
			k.QueryKeys = append(k.QueryKeys, name)
		}
	}
	for _, c := range cfg.Consumers() {
		for _, name := range c.Keys() {
			if c.InHeader() {
				k.Keys = append(k.Keys, name)
			}
			if c.InQuery() {
				k.QueryKeys = append(k.QueryKeys, name)
			}
		}
	}
	k.Normalize()
	return k, nil
}

// flag is a key-auth boolean that defaults to true.
func flag(raw map[string]any, field string) bool {
	b, ok := raw[field].(bool)
	return !ok || b
}
