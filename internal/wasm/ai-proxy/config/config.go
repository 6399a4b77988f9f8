// Package config reads and checks the ai-proxy plugin's configuration (a superset of Higress's
// ai-proxy for the providers supported) and answers the questions the request path asks of it:
// which provider, which upstream URL and key, which model a request may use and becomes.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/apipath"
	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/budget"
)

// Config is the plugin's configuration for one scope (the global config or a match rule's).
type Config struct {
	// Provider is where this scope's requests go: the provider, or the one of Providers that
	// activeProviderId names. Nil when none is active (Higress's layout: a global providers list
	// without activeProviderId, each route's rule choosing one).
	Provider *Provider
	// Providers are every provider the config lists, in order; a rule that sets only
	// activeProviderId chooses among the ones it inherits.
	Providers []*Provider
	// Consumers limits the models a consumer (X-Mse-Consumer) may ask for.
	Consumers map[string][]string
	// Models limits the models of requests from other callers; nil means any.
	Models []string
	// KeyAuth says where X-Mse-Consumer can be trusted and which names carry gateway keys; nil
	// without a keyAuth block (no consumer header is trusted then).
	KeyAuth *KeyAuth
	// PromptParam turns GET /?PARAM=text into a chat completion answered with the model's text.
	PromptParam  string
	DefaultModel string
	// Budgets are the dollar budgets (nil: none) and Prices the prices they count with.
	Budgets *budget.Config
	Prices  budget.Prices
	// Unknown lists fields the plugin ignores (from Higress's ai-proxy or typos), for a warning.
	Unknown []string
}

// Provider is one upstream.
type Provider struct {
	ID           string
	Type         string
	APITokens    []string
	ModelMapping []Mapping
	TimeoutMs    uint32
	// TimeoutHeader is TimeoutMs as the x-envoy-upstream-rq-timeout-ms header value.
	TimeoutHeader string
	// FirstByteTimeoutHeader is firstByteTimeout (ms) as the
	// x-envoy-upstream-rq-first-byte-timeout-ms header value of streaming requests; "" for none.
	FirstByteTimeoutHeader string
	// Base is the upstream's OpenAI-compatible base: scheme, host and the path prefix the API
	// paths (/chat/completions...) are appended to.
	Scheme, Host, PathPrefix string
	// Azure: API version query and whether the deployment is already in PathPrefix.
	AzureAPIVersion string
	AzureDeployment bool
	// PassThroughPaths are the paths (normalized, exact or ending in /*) a provider without a
	// key lets through besides the API paths and /v1/models; every other path is refused.
	PassThroughPaths []string
	// Cluster is the Envoy cluster prompt mode calls the provider through: from serviceName and
	// servicePort, empty without them.
	Cluster string
	// field is where the provider is in the config (provider, providers[1]), for errors.
	field string
	// paths and bearer are Upstream's results made once (precompute).
	paths, bearer map[string]string
	// tokens is the key rotation state: made with the provider at each config parse (each plugin
	// start), shared by the rules that use this provider.
	tokens *Tokens
}

// Keyless reports whether the provider has no upstream key (a model server of one's own:
// vllm, ollama, generic): it then checks the model of every JSON body and refuses every path
// it does not know.
func (p *Provider) Keyless() bool { return len(p.APITokens) == 0 }

// PassesThrough reports whether a keyless provider lets a path (normalized) through.
func (p *Provider) PassesThrough(path string) bool {
	for _, pattern := range p.PassThroughPaths {
		if apipath.Match(pattern, path) {
			return true
		}
	}
	return false
}

// PickToken returns the key for the next request at time nowMs ("" when the provider has none).
func (p *Provider) PickToken(nowMs int64) string { return p.tokens.Pick(p.APITokens, nowMs) }

// ReportToken records the upstream's answer (its HTTP status) to a request made with key;
// nowMs is called only when the key is to rest.
func (p *Provider) ReportToken(key string, status int, nowMs func() int64) {
	p.tokens.Report(key, status, nowMs)
}

// Mapping is one modelMapping entry: Pattern (exact, prefix-*, ~regex or *) to Target ("" keeps
// the model; for a ~regex, a replacement: $1 is the first group).
type Mapping struct {
	Pattern, Target string
	re              *regexp.Regexp
}

// defaultBases are the providers' OpenAI-compatible endpoints.
var defaultBases = map[string]string{
	"openai":     "https://api.openai.com/v1",
	"deepseek":   "https://api.deepseek.com/v1",
	"groq":       "https://api.groq.com/openai/v1",
	"mistral":    "https://api.mistral.ai/v1",
	"openrouter": "https://openrouter.ai/api/v1",
	"qwen":       "https://dashscope.aliyuncs.com/compatible-mode/v1",
	"moonshot":   "https://api.moonshot.cn/v1",
	"vllm":       "http://127.0.0.1:8000/v1",
	"ollama":     "http://127.0.0.1:11434/v1",
	"azure":      "",
	"generic":    "",
}

// Types lists the provider types, sorted.
func Types() []string {
	var out []string
	for t := range defaultBases {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// DefaultTimeoutMs is a provider's timeout when the config gives none: long answers take minutes.
const DefaultTimeoutMs = 120000

// apiSuffixes are the API paths a custom URL may end with; the base is what comes before.
var apiSuffixes = []string{"/chat/completions", "/completions", "/embeddings", "/models"}

// Error names the field that is wrong.
type Error struct {
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &Error{Field: field, Msg: fmt.Sprintf(format, args...)}
}

type rawProvider struct {
	ID              *string           `json:"id"`
	Type            *string           `json:"type"`
	APITokens       []string          `json:"apiTokens"`
	ModelMapping    map[string]string `json:"modelMapping"`
	Timeout         *json.Number      `json:"timeout"`
	OpenAICustomURL *string           `json:"openaiCustomUrl"`
	AzureServiceURL *string           `json:"azureServiceUrl"`
	ServiceName     *string           `json:"serviceName"`
	ServicePort     *json.Number      `json:"servicePort"`
	PassThrough     []string          `json:"passThroughPaths"`
	// Higress ai-proxy's other ways to give the upstream, and its first-byte timeout.
	OllamaServerHost *string      `json:"ollamaServerHost"`
	OllamaServerPort *json.Number `json:"ollamaServerPort"`
	VllmServerHost   *string      `json:"vllmServerHost"`
	VllmCustomURL    *string      `json:"vllmCustomUrl"`
	QwenDomain       *string      `json:"qwenDomain"`
	FirstByteTimeout *json.Number `json:"firstByteTimeout"`
}

var knownProviderFields = []string{"id", "type", "apiTokens", "modelMapping", "timeout", "openaiCustomUrl", "azureServiceUrl", "serviceName", "servicePort",
	"passThroughPaths", "ollamaServerHost", "ollamaServerPort", "vllmServerHost", "vllmCustomUrl", "qwenDomain", "qwenEnableCompatible",
	"firstByteTimeout", "protocol"}

var knownTopFields = []string{"provider", "providers", "activeProviderId", "consumers", "models", "promptParam", "defaultModel", "keyAuth", "budgets", "prices"}

// Parse reads a config object (the JSON of defaultConfig, or of a match rule's config: keys
// starting with _ are Higress's and ignored). A rule's config inherits from the global config
// (inherit) every top-level field it does not set.
func Parse(data []byte, inherit *Config) (*Config, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fieldErr("config", "not a JSON object: %v", err)
	}
	cfg := &Config{}
	if inherit != nil {
		*cfg = *inherit
		cfg.Unknown = nil
	}
	for k := range top {
		if !slices.Contains(knownTopFields, k) && !strings.HasPrefix(k, "_") {
			cfg.Unknown = append(cfg.Unknown, k)
		}
	}
	if err := parseProviders(top, cfg, inherit == nil); err != nil {
		return nil, err
	}

	if raw, ok := top["consumers"]; ok {
		var list []struct {
			Name   string   `json:"name"`
			Models []string `json:"models"`
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fieldErr("consumers", "must be a list of {name, models}")
		}
		cfg.Consumers = map[string][]string{}
		for i, c := range list {
			field := fmt.Sprintf("consumers[%d]", i)
			if c.Name == "" {
				return nil, fieldErr(field+".name", "required")
			}
			if _, dup := cfg.Consumers[c.Name]; dup {
				return nil, fieldErr(field+".name", "%q given twice", c.Name)
			}
			if err := checkPatterns(c.Models, field+".models"); err != nil {
				return nil, err
			}
			cfg.Consumers[c.Name] = nonNil(c.Models)
		}
	}
	if raw, ok := top["keyAuth"]; ok {
		k, err := parseKeyAuth(raw)
		if err != nil {
			return nil, err
		}
		cfg.KeyAuth = k
	}
	if cfg.Consumers != nil && cfg.KeyAuth == nil {
		return nil, fieldErr("consumers", "given without keyAuth: the plugin trusts X-Mse-Consumer only where key-auth runs, "+
			"which keyAuth says (higress-ai plugin install writes it)")
	}
	if raw, ok := top["models"]; ok {
		if err := json.Unmarshal(raw, &cfg.Models); err != nil {
			return nil, fieldErr("models", "must be a list of model names or patterns")
		}
		if err := checkPatterns(cfg.Models, "models"); err != nil {
			return nil, err
		}
		cfg.Models = nonNil(cfg.Models)
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"promptParam", &cfg.PromptParam}, {"defaultModel", &cfg.DefaultModel}} {
		if raw, ok := top[f.name]; ok {
			if err := json.Unmarshal(raw, f.dst); err != nil {
				return nil, fieldErr(f.name, "must be a string")
			}
		}
	}
	if cfg.PromptParam != "" && cfg.DefaultModel == "" {
		return nil, fieldErr("defaultModel", "required with promptParam: the model prompts are sent to")
	}
	if p := cfg.Provider; cfg.PromptParam != "" && p != nil && p.Cluster == "" {
		return nil, fieldErr(p.field+".serviceName", "required with promptParam: the name Higress gives the service that reaches %s "+
			"(for a DNS service registered as NAME, NAME.dns), which prompt mode calls", p.Host)
	}
	if err := parseBudgets(top, cfg); err != nil {
		return nil, err
	}
	sort.Strings(cfg.Unknown)
	return cfg, nil
}

// parseBudgets reads budgets and prices; a rule's config that sets one replaces the inherited one.
func parseBudgets(top map[string]json.RawMessage, cfg *Config) error {
	var fe *budget.FieldError
	if raw, ok := top["prices"]; ok {
		p, err := budget.ParsePrices(raw)
		if errors.As(err, &fe) {
			return fieldErr(fe.Field, "%s", fe.Msg)
		}
		cfg.Prices = p
	}
	if raw, ok := top["budgets"]; ok {
		b, err := budget.Parse(raw)
		if errors.As(err, &fe) {
			return fieldErr(fe.Field, "%s", fe.Msg)
		}
		cfg.Budgets = b
	}
	if cfg.Budgets == nil {
		return nil
	}
	for _, p := range cfg.Providers {
		if cfg.Budgets.ReservationTTL*1000 <= int64(p.TimeoutMs) {
			return fieldErr("budgets.reservationTtl", "%d s must be more than %s's timeout (%d ms): a reservation must outlive its request",
				cfg.Budgets.ReservationTTL, p.field, p.TimeoutMs)
		}
	}
	return nil
}

// parseProviders reads provider, providers and activeProviderId as Higress's ai-proxy does: a
// provider object is the active one; a providers list replaces the inherited list and, without
// activeProviderId, leaves no provider active; activeProviderId alone (a route's rule) chooses
// from the inherited list.
func parseProviders(top map[string]json.RawMessage, cfg *Config, global bool) error {
	rawActive, hasActive := top["activeProviderId"]
	var active string
	if hasActive {
		if err := json.Unmarshal(rawActive, &active); err != nil {
			return fieldErr("activeProviderId", "must be a string")
		}
	}
	rawOne, hasOne := top["provider"]
	rawList, hasList := top["providers"]
	switch {
	case hasOne && hasList:
		return fieldErr("provider", "give provider or providers with activeProviderId, not both")
	case hasOne:
		p, unknown, err := parseProvider(rawOne, "provider")
		if err != nil {
			return err
		}
		cfg.Provider, cfg.Providers, cfg.Unknown = p, []*Provider{p}, append(cfg.Unknown, unknown...)
	case hasList:
		var list []json.RawMessage
		if err := json.Unmarshal(rawList, &list); err != nil || list == nil {
			return fieldErr("providers", "must be a list of providers")
		}
		cfg.Provider, cfg.Providers = nil, nil
		ids := map[string]bool{}
		for i, raw := range list {
			field := fmt.Sprintf("providers[%d]", i)
			p, unknown, err := parseProvider(raw, field)
			if err != nil {
				return err
			}
			if p.ID == "" {
				return fieldErr(field+".id", "required in a providers list: activeProviderId chooses a provider by it")
			}
			if ids[p.ID] {
				return fieldErr(field+".id", "%q given twice", p.ID)
			}
			ids[p.ID] = true
			cfg.Providers = append(cfg.Providers, p)
			cfg.Unknown = append(cfg.Unknown, unknown...)
		}
	case global && !hasActive:
		return fieldErr("provider", "required: the upstream to call ({type, apiTokens, ...}), or a providers list")
	}
	if !hasActive {
		return nil
	}
	if hasOne {
		if active != "" && active != cfg.Provider.ID {
			return fieldErr("activeProviderId", "%q is not the id of provider (%q)", active, cfg.Provider.ID)
		}
		return nil
	}
	cfg.Provider = nil
	if active == "" {
		// An explicit "" switches the provider off for this scope.
		return nil
	}
	var ids []string
	for _, p := range cfg.Providers {
		if p.ID == active {
			cfg.Provider = p
			return nil
		}
		ids = append(ids, strconv.Quote(p.ID))
	}
	if len(ids) == 0 {
		return fieldErr("activeProviderId", "no provider has id %q: no providers list is given or inherited", active)
	}
	return fieldErr("activeProviderId", "no provider has id %q (the providers are %s)", active, strings.Join(ids, ", "))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func checkPatterns(patterns []string, field string) error {
	for i, p := range patterns {
		if p == "" || (strings.Contains(p, "*") && !strings.HasSuffix(p, "*")) || strings.Count(p, "*") > 1 {
			return fieldErr(fmt.Sprintf("%s[%d]", field, i), "%q is not a model name, prefix* or *", p)
		}
	}
	return nil
}

func parseProvider(raw json.RawMessage, field string) (*Provider, []string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, nil, fieldErr(field, "must be an object")
	}
	if err := checkHigressFields(fields, field); err != nil {
		return nil, nil, err
	}
	var unknown []string
	for k := range fields {
		if _, higress := unsupportedHigressFields[k]; !slices.Contains(knownProviderFields, k) && !higress {
			unknown = append(unknown, field+"."+k)
		}
	}
	var r rawProvider
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return nil, nil, fieldErr(field, "%v", typeError(err))
	}
	p := &Provider{TimeoutMs: DefaultTimeoutMs, tokens: &Tokens{}, field: field}
	if r.ID != nil {
		p.ID = *r.ID
	}
	if r.Type == nil || *r.Type == "" {
		return nil, nil, fieldErr(field+".type", "required: one of %s", strings.Join(Types(), ", "))
	}
	p.Type = *r.Type
	base, known := defaultBases[p.Type]
	if !known {
		return nil, nil, fieldErr(field+".type", "unknown provider type %q: use one of %s", p.Type, strings.Join(Types(), ", "))
	}
	if len(r.APITokens) == 0 && p.Type != "vllm" && p.Type != "ollama" && p.Type != "generic" {
		return nil, nil, fieldErr(field+".apiTokens", "required: at least one upstream key")
	}
	for i, t := range r.APITokens {
		if strings.TrimSpace(t) == "" || strings.ContainsAny(t, "\r\n") {
			return nil, nil, fieldErr(fmt.Sprintf("%s.apiTokens[%d]", field, i), "empty or not a single line")
		}
	}
	p.APITokens = r.APITokens
	if len(r.PassThrough) > 0 && len(p.APITokens) > 0 {
		return nil, nil, fieldErr(field+".passThroughPaths", "only for a provider without apiTokens: with a key, every path but the API paths passes through without it")
	}
	for i, path := range r.PassThrough {
		if !strings.HasPrefix(path, "/") || strings.Contains(strings.TrimSuffix(path, "/*"), "*") {
			return nil, nil, fieldErr(fmt.Sprintf("%s.passThroughPaths[%d]", field, i), "%q is not a path (/v1/responses) or a path ending in /* (/v1/files/*)", path)
		}
		p.PassThroughPaths = append(p.PassThroughPaths, apipath.Normalize(path))
	}
	for pattern, target := range r.ModelMapping {
		m := Mapping{Pattern: pattern, Target: target}
		if expr, ok := strings.CutPrefix(pattern, "~"); ok {
			re, err := regexp.Compile(expr)
			if err != nil {
				return nil, nil, fieldErr(field+".modelMapping", "key %q is not a regular expression: %v", pattern, err)
			}
			m.re = re
		} else if err := checkPatterns([]string{pattern}, field+".modelMapping"); err != nil {
			return nil, nil, fieldErr(field+".modelMapping", "key %q is not a model name, prefix*, ~regex or *", pattern)
		}
		p.ModelMapping = append(p.ModelMapping, m)
	}
	sortPatterns(p.ModelMapping)
	if r.Timeout != nil {
		ms, err := strconv.ParseUint(r.Timeout.String(), 10, 32)
		if err != nil || ms == 0 {
			return nil, nil, fieldErr(field+".timeout", "must be a positive number of milliseconds")
		}
		p.TimeoutMs = uint32(ms)
	}
	p.TimeoutHeader = strconv.FormatUint(uint64(p.TimeoutMs), 10)
	if r.FirstByteTimeout != nil {
		ms, err := strconv.ParseUint(r.FirstByteTimeout.String(), 10, 32)
		if err != nil {
			return nil, nil, fieldErr(field+".firstByteTimeout", "must be a number of milliseconds")
		}
		if ms > 0 {
			p.FirstByteTimeoutHeader = strconv.FormatUint(ms, 10)
		}
	}
	custom, err := customBase(r, p.Type, field)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case p.Type == "azure":
		if r.AzureServiceURL == nil || *r.AzureServiceURL == "" {
			return nil, nil, fieldErr(field+".azureServiceUrl", "required for azure: https://RESOURCE.openai.azure.com/openai/deployments/DEPLOYMENT/chat/completions?api-version=...")
		}
		if err := p.setAzure(*r.AzureServiceURL); err != nil {
			return nil, nil, fieldErr(field+".azureServiceUrl", "%v", err)
		}
	case custom.url != "":
		if err := p.setBase(custom.url); err != nil {
			return nil, nil, fieldErr(field+"."+custom.field, "%v", err)
		}
	case base == "":
		return nil, nil, fieldErr(field+".openaiCustomUrl", "required for %s: the OpenAI-compatible base URL, e.g. https://llm.internal/v1", p.Type)
	default:
		_ = p.setBase(base)
	}
	if err := p.setCluster(r.ServiceName, r.ServicePort, field); err != nil {
		return nil, nil, err
	}
	p.precompute()
	return p, unknown, nil
}

// customBase is the upstream base URL a provider's fields give besides its type's default:
// openaiCustomUrl, or Higress ai-proxy's vllmCustomUrl (a URL, its scheme optional),
// vllmServerHost (a host), ollamaServerHost with ollamaServerPort, qwenDomain. At most one.
func customBase(r rawProvider, typ, field string) (struct{ url, field string }, error) {
	var out struct{ url, field string }
	value := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	vllmURL := value(r.VllmCustomURL)
	if vllmURL != "" && !strings.HasPrefix(vllmURL, "http://") && !strings.HasPrefix(vllmURL, "https://") {
		vllmURL = "http://" + vllmURL
	}
	vllmHost, qwen := value(r.VllmServerHost), value(r.QwenDomain)
	if vllmHost != "" {
		vllmHost = "http://" + vllmHost + "/v1"
	}
	if qwen != "" {
		qwen = "https://" + qwen + "/compatible-mode/v1"
	}
	ollama := value(r.OllamaServerHost)
	if typ == "ollama" && (ollama != "" || r.OllamaServerPort != nil) {
		switch {
		case ollama == "":
			return out, fieldErr(field+".ollamaServerHost", "required with ollamaServerPort")
		case r.OllamaServerPort == nil:
			return out, fieldErr(field+".ollamaServerPort", "required with ollamaServerHost")
		}
		if n, err := strconv.ParseUint(r.OllamaServerPort.String(), 10, 16); err != nil || n == 0 {
			return out, fieldErr(field+".ollamaServerPort", "must be a port number")
		}
		ollama = "http://" + ollama + ":" + r.OllamaServerPort.String() + "/v1"
	} else if r.OllamaServerPort != nil {
		ollama = "given"
	}
	for _, c := range []struct{ name, only, url string }{
		{"openaiCustomUrl", "", value(r.OpenAICustomURL)},
		{"vllmCustomUrl", "vllm", vllmURL},
		{"vllmServerHost", "vllm", vllmHost},
		{"ollamaServerHost", "ollama", ollama},
		{"qwenDomain", "qwen", qwen},
	} {
		switch {
		case c.url == "":
			continue
		case c.only != "" && typ != c.only:
			return out, fieldErr(field+"."+c.name, "only for type %s, not %s", c.only, typ)
		case out.field != "":
			return out, fieldErr(field+"."+c.name, "given with %s: give one of them", out.field)
		}
		out.url, out.field = c.url, c.name
	}
	return out, nil
}

// setCluster sets the cluster prompt mode calls the provider through. An Envoy cluster exists
// only for a service Higress knows, named as Higress's ai-proxy names its own callouts:
// outbound|PORT||SERVICE, where SERVICE is the service's name in Higress (a DNS service
// registered as NAME in the McpBridge is NAME.dns, a static one NAME.static). It cannot be
// derived from the provider's URL, so it is left empty without serviceName; the port defaults
// to the URL's.
func (p *Provider) setCluster(name *string, port *json.Number, field string) error {
	if name == nil || *name == "" {
		if port != nil {
			return fieldErr(field+".servicePort", "given without serviceName")
		}
		return nil
	}
	if strings.ContainsAny(*name, "| \t\r\n") {
		return fieldErr(field+".serviceName", "%q is not a service name (e.g. openai.dns)", *name)
	}
	svcPort := "443"
	if p.Scheme == "http" {
		svcPort = "80"
	}
	if _, pt, ok := strings.Cut(p.Host, ":"); ok {
		svcPort = pt
	}
	if port != nil {
		if n, err := strconv.ParseUint(port.String(), 10, 16); err != nil || n == 0 {
			return fieldErr(field+".servicePort", "must be a port number")
		}
		svcPort = port.String()
	}
	p.Cluster = "outbound|" + svcPort + "||" + *name
	return nil
}

func typeError(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return fmt.Sprintf("%s must be %s", te.Field, te.Type)
	}
	return err.Error()
}

func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", raw)
	}
	return u, nil
}

func (p *Provider) setBase(raw string) error {
	u, err := parseURL(raw)
	if err != nil {
		return err
	}
	prefix := strings.TrimSuffix(u.Path, "/")
	for _, s := range apiSuffixes {
		if strings.HasSuffix(prefix, s) {
			prefix = strings.TrimSuffix(prefix, s)
			break
		}
	}
	p.Scheme, p.Host, p.PathPrefix = u.Scheme, u.Host, prefix
	return nil
}

func (p *Provider) setAzure(raw string) error {
	u, err := parseURL(raw)
	if err != nil {
		return err
	}
	p.AzureAPIVersion = u.Query().Get("api-version")
	if p.AzureAPIVersion == "" {
		return fmt.Errorf("%q has no api-version query parameter", raw)
	}
	path := strings.TrimSuffix(u.Path, "/")
	if i := strings.Index(path, "/deployments/"); i >= 0 {
		rest := path[i+len("/deployments/"):]
		name, _, _ := strings.Cut(rest, "/")
		if name == "" {
			return fmt.Errorf("%q names no deployment after /deployments/", raw)
		}
		path = path[:i] + "/deployments/" + name
		p.AzureDeployment = true
	} else if path == "" {
		path = "/openai"
	}
	p.Scheme, p.Host, p.PathPrefix = u.Scheme, u.Host, path
	return nil
}

// sortPatterns orders mappings as they are tried: exact names, then longer prefixes first, then
// ~regexes in the order of their keys, then *.
func sortPatterns(m []Mapping) {
	rank := func(p string) (int, int) {
		switch {
		case p == "*":
			return 3, 0
		case strings.HasPrefix(p, "~"):
			return 2, 0
		case strings.HasSuffix(p, "*"):
			return 1, -len(p)
		}
		return 0, 0
	}
	sort.SliceStable(m, func(i, j int) bool {
		ri, li := rank(m[i].Pattern)
		rj, lj := rank(m[j].Pattern)
		if ri != rj {
			return ri < rj
		}
		if li != lj {
			return li < lj
		}
		return m[i].Pattern < m[j].Pattern
	})
}

// Matches reports whether a model matches a pattern: exact, prefix* or *.
func Matches(pattern, model string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(model, prefix)
	}
	return pattern == model
}

// MapModel returns the model to send upstream for a requested model.
func (p *Provider) MapModel(model string) string {
	for _, m := range p.ModelMapping {
		target, ok := m.Target, false
		if m.re != nil {
			if ok = m.re.MatchString(model); ok {
				target = m.re.ReplaceAllString(model, m.Target)
			}
		} else {
			ok = Matches(m.Pattern, model)
		}
		if ok {
			if target == "" {
				return model
			}
			return target
		}
	}
	return model
}

// Allowed reports whether a caller (consumer "" for none) may ask for a model. A consumer listed
// in consumers gets its own list; everyone else the top-level models, when given.
func (c *Config) Allowed(consumer, model string) bool {
	patterns, limited := c.allowList(consumer)
	if !limited {
		return true
	}
	for _, p := range patterns {
		if Matches(p, model) {
			return true
		}
	}
	return false
}

func (c *Config) allowList(consumer string) ([]string, bool) {
	if list, ok := c.Consumers[consumer]; ok && consumer != "" {
		return list, true
	}
	if c.Models != nil {
		return c.Models, true
	}
	return nil, false
}

// ListModels is what /v1/models answers a caller: the exact model names it may use (from its
// allow list, or else the exact modelMapping keys and the default model).
func (c *Config) ListModels(consumer string) []string {
	var names []string
	if patterns, limited := c.allowList(consumer); limited {
		names = exact(patterns)
	} else {
		for _, m := range c.Provider.ModelMapping {
			if m.re == nil {
				names = append(names, m.Pattern)
			}
		}
		names = append(exact(names), c.DefaultModel)
	}
	out := []string{}
	for _, n := range names {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func exact(patterns []string) []string {
	var out []string
	for _, p := range patterns {
		if !strings.Contains(p, "*") {
			out = append(out, p)
		}
	}
	return out
}

// KeyHeader is the header Upstream puts the provider's key in ("" for a provider without one).
func (p *Provider) KeyHeader() string {
	switch {
	case p.Type == "azure":
		return "api-key"
	case p.Keyless():
		return ""
	}
	return "authorization"
}

// Upstream is where a request goes: the path to use (with the query) and the auth header.
func (p *Provider) Upstream(api, model, token string) (path string, header [2]string) {
	path, ok := p.paths[api]
	if !ok {
		path = p.PathPrefix + api
	}
	if p.Type == "azure" {
		if !p.AzureDeployment {
			path = p.PathPrefix + "/deployments/" + url.PathEscape(model) + api
		}
		path += "?api-version=" + url.QueryEscape(p.AzureAPIVersion)
		return path, [2]string{"api-key", token}
	}
	if token == "" {
		return path, [2]string{}
	}
	bearer, ok := p.bearer[token]
	if !ok {
		bearer = "Bearer " + token
	}
	return path, [2]string{"authorization", bearer}
}

// precompute makes the strings each request would otherwise build: the API paths and the
// Authorization values (allocations cost the plugin more in wasm than the map lookups).
func (p *Provider) precompute() {
	p.paths = map[string]string{}
	for _, api := range []string{"/chat/completions", "/completions", "/embeddings"} {
		p.paths[api] = p.PathPrefix + api
	}
	p.bearer = map[string]string{}
	for _, t := range p.APITokens {
		p.bearer[t] = "Bearer " + t
	}
}
