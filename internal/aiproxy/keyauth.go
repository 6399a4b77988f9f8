package aiproxy

import (
	"fmt"
	"github.com/higress-ai/higress-ai/internal/configjson"
	"slices"
	"strings"

	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// KeyAuth is the keyAuth block (CONTRACT-aiproxy-keyauth): where Higress's key-auth runs, so the
// plugin knows where X-Mse-Consumer can be trusted, and which names carry consumer keys, which it
// removes before the request goes upstream.
type KeyAuth struct {
	Global    bool     `json:"global"`
	Routes    []string `json:"routes"`
	Domains   []string `json:"domains"`
	Keys      []string `json:"keys"`
	QueryKeys []string `json:"queryKeys"`
}

// ParseKeyAuth reads the keyAuth block of a config; nil when absent.
func ParseKeyAuth(raw map[string]any) (*KeyAuth, error) {
	v, ok := raw["keyAuth"]
	if !ok {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("keyAuth: must be an object")
	}
	k := &KeyAuth{}
	if g, ok := m["global"]; ok {
		if k.Global, ok = g.(bool); !ok {
			return nil, fmt.Errorf("keyAuth.global: must be true or false")
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"routes", &k.Routes}, {"domains", &k.Domains}, {"keys", &k.Keys}, {"queryKeys", &k.QueryKeys}} {
		list, err := configjson.StringList(m, f.name)
		if err != nil {
			return nil, fmt.Errorf("keyAuth.%w", err)
		}
		for i, s := range list {
			if s == "" {
				return nil, fmt.Errorf("keyAuth.%s[%d]: empty", f.name, i)
			}
		}
		*f.dst = list
	}
	return k, nil
}

// Normalize sorts and de-duplicates the lists (header names compared in lower case), so the same
// key-auth setup always gives the same block and an unchanged setup writes nothing.
func (k *KeyAuth) Normalize() {
	for i := range k.Keys {
		k.Keys[i] = strings.ToLower(k.Keys[i])
	}
	for _, l := range []*[]string{&k.Routes, &k.Domains, &k.Keys, &k.QueryKeys} {
		if *l == nil {
			*l = []string{}
		}
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
}

// Covers reports whether key-auth runs on the route (by name) or one of its hosts.
func (k *KeyAuth) Covers(route string, hosts []string) bool {
	if k.Global || slices.Contains(k.Routes, route) {
		return true
	}
	for _, d := range k.Domains {
		for _, h := range hosts {
			if wasmplugin.DomainMatches(d, h) {
				return true
			}
		}
	}
	return false
}

// SetKeyAuth writes the block into a config.
func SetKeyAuth(raw map[string]any, k KeyAuth) {
	k.Normalize()
	raw["keyAuth"] = map[string]any{
		"global":    k.Global,
		"routes":    configjson.List(k.Routes),
		"domains":   configjson.List(k.Domains),
		"keys":      configjson.List(k.Keys),
		"queryKeys": configjson.List(k.QueryKeys),
	}
}
