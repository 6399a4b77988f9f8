package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// KeyAuth says where Higress's key-auth authenticates requests, and so where its X-Mse-Consumer
// header can be trusted, and which header and query parameter names carry the consumers'
// gateway keys (which never go upstream). `higress-ai plugin install` writes it from the
// key-auth plugin it finds.
type KeyAuth struct {
	// Global: key-auth authenticates every request (global_auth is true).
	Global bool
	// Routes are the route names (Envoy's route_name: bare in higress-system, namespace/name
	// elsewhere) where a key-auth match rule runs.
	Routes map[string]bool
	// Domains are the hosts where a key-auth domain rule runs, matched as Higress does.
	Domains []HostPattern
	// Keys are the header names (lower-case) that carry consumer keys; QueryKeys the query
	// parameter names.
	Keys, QueryKeys []string
}

// HostPattern is a domain of a Higress match rule: "*suffix", "prefix*" or an exact host.
type HostPattern struct {
	Host           string
	Suffix, Prefix bool
}

// Matches reports whether a request's host (its :authority) matches, as Higress's wasm-go
// matcher does: without the port, case-sensitively; "*example.com" also matches example.com.
func (h HostPattern) Matches(host string) bool {
	host = stripPort(host)
	switch {
	case h.Suffix:
		return strings.HasSuffix(host, h.Host)
	case h.Prefix:
		return strings.HasPrefix(host, h.Host)
	}
	return host == h.Host
}

// stripPort removes a port from a host, leaving an IPv6 address in brackets as it is.
func stripPort(host string) string {
	i := strings.LastIndexByte(host, ':')
	if i < 0 || strings.LastIndexByte(host, ']') > i {
		return host
	}
	return host[:i]
}

// Runs reports whether key-auth ran on a request for host; route is called (a host call in the
// gateway) only when the answer depends on the route's name.
func (k *KeyAuth) Runs(host string, route func() string) bool {
	if k == nil {
		return false
	}
	if k.Global {
		return true
	}
	for _, d := range k.Domains {
		if d.Matches(host) {
			return true
		}
	}
	return len(k.Routes) > 0 && k.Routes[route()]
}

func parseKeyAuth(raw json.RawMessage) (*KeyAuth, error) {
	var r struct {
		Global    bool     `json:"global"`
		Routes    []string `json:"routes"`
		Domains   []string `json:"domains"`
		Keys      []string `json:"keys"`
		QueryKeys []string `json:"queryKeys"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fieldErr("keyAuth", "must be {global, routes, domains, keys, queryKeys}: %v", typeError(err))
	}
	k := &KeyAuth{Global: r.Global, Routes: map[string]bool{}}
	for i, name := range r.Routes {
		if name == "" {
			return nil, fieldErr(fmt.Sprintf("keyAuth.routes[%d]", i), "empty route name")
		}
		k.Routes[name] = true
	}
	for i, d := range r.Domains {
		p := HostPattern{Host: d}
		switch {
		case strings.HasPrefix(d, "*"):
			p.Host, p.Suffix = d[1:], true
		case strings.HasSuffix(d, "*"):
			p.Host, p.Prefix = d[:len(d)-1], true
		}
		if p.Host == "" {
			return nil, fieldErr(fmt.Sprintf("keyAuth.domains[%d]", i), "%q is not a domain", d)
		}
		k.Domains = append(k.Domains, p)
	}
	for i, h := range r.Keys {
		if !token(h) {
			return nil, fieldErr(fmt.Sprintf("keyAuth.keys[%d]", i), "%q is not a header name", h)
		}
		k.Keys = append(k.Keys, strings.ToLower(h))
	}
	for i, q := range r.QueryKeys {
		if q == "" {
			return nil, fieldErr(fmt.Sprintf("keyAuth.queryKeys[%d]", i), "empty query parameter name")
		}
		k.QueryKeys = append(k.QueryKeys, q)
	}
	return k, nil
}

// token reports whether s is an HTTP header name (RFC 9110's token).
func token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
