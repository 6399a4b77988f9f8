package block

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/requestblock"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// TestOptions are block test's inputs.
type TestOptions struct {
	F        *cmdutil.Factory
	Text     string // a prompt, or "-" for a body on stdin
	File     string // a body in a file
	Raw      bool   // Text is the body itself, not a prompt
	Model    string
	Path     string
	Headers  []string
	Route    string
	Domain   string
	AnyRoute bool
	Plugin   string
	Output   string
}

// TestResult is block test's answer; -o json prints it.
type TestResult struct {
	requestblock.Verdict
	// Scope is the config that applied: "global", a rule's targets, or "none".
	Scope string `json:"scope"`
	// Applied is false when no request-block config applies to the request at all.
	Applied bool `json:"applied"`
}

// NewCmdTest builds block test.
func NewCmdTest(f *cmdutil.Factory, runF func(*TestOptions) error) *cobra.Command {
	o := &TestOptions{F: f}
	cmd := &cobra.Command{
		Use:   "test [TEXT | -]",
		Short: "Check whether a request would be blocked, as the gateway would decide",
		Long: `Evaluate a request against the blocked words in force, exactly as request-block does: the URL
rules on --path, the header rules on the --header values, the body rules as substrings of the raw
body as sent, lower-cased on both sides unless case_sensitive is true.

TEXT is a prompt: it is sent as an OpenAI SDK sends it, inside a chat completion body
({"model":...,"messages":[{"role":"user","content":TEXT}]}). --raw takes TEXT as the body itself;
--file F or - (standard input) read the body as sent.

With --route or --domain the rule Higress applies there is used: the first enabled match rule
naming the route, or a domain that matches one of the route's hosts (or --domain), else the global
config. The route is looked up as route bind does (refused when nothing names it, unless
--any-route). The evaluation follows the plugin's build: Higress's built-in image is the C++ build
(case-sensitive unless case_sensitive is false, ASCII-only case folding, regexes match the whole
path, exact then regex then keyword URL rules, bodies up to 32 MiB), any other image the Go build
(case-insensitive by default, regexes match anywhere, exact then keyword then regex, and no body
check at all for a body with a Content-Encoding or an octet-stream or gRPC Content-Type: such a
request is reported as a bypass unless a plugin on the route refuses it). -H replaces the emulated
Content-Type (application/json) when it names one.

The answer says whether the request would be blocked, by which rule, the build and the status code
the client would get, and warns where a word would be missed: a JSON-escaped spelling such as
\u0070assword, another case under case_sensitive: true, a word the build does not read.`,
		Example: `$ higress-ai block test "what is the admin password?"
$ higress-ai block test --file request.json --route gpt-4o
$ curl-body-generator | higress-ai block test - -o json
$ higress-ai block test hello --path '/v1/chat/completions?debug=1' --header 'x-user: bob'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Text = args[0]
			}
			switch {
			case o.File != "" && len(args) == 1:
				return cmdutil.FlagErrorf("give TEXT, - or --file, not several")
			case o.File == "" && len(args) == 0:
				return cmdutil.FlagErrorf("give the request to test: TEXT, - for standard input, or --file")
			case o.Raw && (o.File != "" || o.Text == "-"):
				return cmdutil.FlagErrorf("--raw applies to TEXT only: --file and - already read the body as sent")
			case o.Route != "" && o.Domain != "":
				return cmdutil.FlagErrorf("choose a route or a domain, not both")
			}
			if err := checkScopeNames(cmd, o.Route, o.Domain); err != nil {
				return err
			}
			for _, h := range o.Headers {
				if name, _, ok := strings.Cut(h, ":"); !ok || strings.TrimSpace(name) == "" {
					return cmdutil.FlagErrorf("invalid --header %q: use \"Name: value\"", h)
				}
			}
			if !strings.HasPrefix(o.Path, "/") {
				return cmdutil.FlagErrorf("invalid --path %q: it must start with /", o.Path)
			}
			format, err := f.Flags.OutputFormat("table", "json", "yaml")
			if err != nil {
				return err
			}
			o.Output = format
			if runF != nil {
				return runF(o)
			}
			return testRun(o)
		},
	}
	cmd.Flags().StringVarP(&o.File, "file", "f", "", "read the request body from this file")
	cmd.Flags().BoolVar(&o.Raw, "raw", false, "TEXT is the request body as sent, not a prompt")
	cmd.Flags().StringVar(&o.Model, "model", "gpt-4o", "model named in the chat completion built from TEXT")
	cmd.Flags().StringVar(&o.Path, "path", "/v1/chat/completions", "request path with its query, for URL rules")
	cmd.Flags().StringArrayVarP(&o.Headers, "header", "H", nil, `request header "Name: value", for header rules (repeatable)`)
	cmd.Flags().StringVar(&o.Route, "route", "", "test on this route: its rule if it has one")
	cmd.Flags().StringVar(&o.Domain, "domain", "", "test on this domain: its rule if it has one (also the :authority)")
	cmd.Flags().BoolVar(&o.AnyRoute, "any-route", false, "with --route: even when no Ingress or match rule names the route")
	cmd.Flags().StringVar(&o.Plugin, "plugin", "", "name of the request-block WasmPlugin (default: found automatically)")
	return cmd
}

// body is the request body the options describe.
func (o *TestOptions) body() ([]byte, error) {
	switch {
	case o.File != "":
		b, err := os.ReadFile(o.File)
		if err != nil {
			return nil, fmt.Errorf("cannot read --file: %w", err)
		}
		return b, nil
	case o.Text == "-":
		b, err := io.ReadAll(o.F.IO.In) // whole: the Go build inspects bodies of any size
		if err != nil {
			return nil, fmt.Errorf("cannot read standard input: %w", err)
		}
		return b, nil
	case o.Raw:
		return []byte(o.Text), nil
	}
	return chatBody(o.Model, o.Text)
}

// chatBody encodes a prompt as an OpenAI SDK would: compact JSON, no HTML escaping.
func chatBody(model, prompt string) ([]byte, error) {
	type message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(struct {
		Model    string    `json:"model"`
		Messages []message `json:"messages"`
	}{model, []message{{"user", prompt}}})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

// request is the request the options describe; its :authority is --domain, else the route's first
// host that is not a wildcard. A --header naming a header the emulated request has already
// (content-type) replaces it, as a client setting its own Content-Type would.
func (o *TestOptions) request(body []byte, hosts []string) requestblock.Request {
	authority := o.Domain
	for _, h := range hosts {
		if authority == "" && !strings.Contains(h, "*") {
			authority = h
		}
	}
	if authority == "" {
		authority = "gateway.example"
	}
	headers := [][2]string{{":authority", authority}, {":method", "POST"}, {":path", o.Path}, {":scheme", "https"},
		{"content-type", "application/json"}}
	emulated := len(headers)
	for _, h := range o.Headers {
		name, value, _ := strings.Cut(h, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		kv := [2]string{name, strings.TrimSpace(value)}
		if i := slices.IndexFunc(headers[:emulated], func(e [2]string) bool { return e[0] == name }); i >= 0 {
			headers[i] = kv
			continue
		}
		headers = append(headers, kv)
	}
	return requestblock.Request{Path: o.Path, Headers: headers, Body: body}
}

func testRun(o *TestOptions) error {
	f := o.F
	body, err := o.body()
	if err != nil {
		return err
	}
	store, err := f.Store()
	if err != nil {
		return err
	}
	p, err := wasmplugin.Find(f.Context, store, target(f, o.Plugin))
	if err != nil {
		return err
	}
	scope := wasmplugin.Scope{Route: o.Route, Domain: o.Domain}
	if o.Route != "" {
		route, err := routeOf(f, store, o.Route, o.AnyRoute, p)
		if err != nil {
			return err
		}
		scope.Hosts, scope.Services = route.Hosts, route.Services
	}
	req := o.request(body, scope.Hosts)
	if req.Guard, err = guard(f, store, scope, req.Path); err != nil {
		return err
	}
	res, err := evaluate(p, scope, req)
	if err != nil {
		return err
	}
	if p == nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("no request-block wasmplugin in namespace %q: nothing is blocked", f.Namespace()))
	}
	if o.Output != "table" {
		return cmdutil.PrintStructured(f.IO, o.Output, res)
	}
	out := f.IO.Out
	io := f.IO
	switch {
	case res.Blocked:
		fmt.Fprintf(out, "%s: %s matches %q (%s, %s); the client gets HTTP %d\n",
			io.Paint(cmdutil.Red, "blocked"), res.Rule.In, res.Rule.Text, termsafe.Escape(res.Scope), res.Build, res.Code)
		if res.Message != "" {
			fmt.Fprintf(out, "message: %s\n", termsafe.Escape(res.Message))
		}
	case res.Bypass:
		fmt.Fprintf(out, "%s: the %s does not read a body sent with %s, so no body word is checked (%s)\n",
			io.Paint(cmdutil.Red, "bypass"), res.Build, res.BodyUnread, res.Scope)
	case res.Applied:
		fmt.Fprintf(out, "%s: no rule matches (%s, %s)\n", io.Paint(cmdutil.Green, "allowed"), termsafe.Escape(res.Scope), res.Build)
	default:
		fmt.Fprintf(out, "%s: no request-block config applies\n", io.Paint(cmdutil.Green, "allowed"))
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(f.IO.ErrOut, "%s %s\n", io.Paint(cmdutil.Yellow, "warning:"), termsafe.Escape(w))
	}
	return nil
}

// evaluate is block test's answer for a request in a scope of the plugin (nil: none installed).
func evaluate(p *wasmplugin.Plugin, scope wasmplugin.Scope, req requestblock.Request) (TestResult, error) {
	res := TestResult{Verdict: requestblock.Verdict{Warnings: []string{}}, Scope: "none"}
	if p == nil {
		return res, nil
	}
	cfg, where, err := ConfigFor(*p, scope)
	if err != nil {
		return res, err
	}
	warnings := []string{}
	if r, ok, _ := scope.Rule(*p); ok && r.Disabled() {
		warnings = append(warnings, fmt.Sprintf("the rule for %s is disabled (configDisable: true): Higress applies %s instead", scope, inForce(where, cfg)))
	}
	if cfg == nil {
		res.Warnings = append(warnings, "no request-block config applies here: "+where)
		return res, nil
	}
	res.Applied, res.Scope = true, where
	res.Verdict = requestblock.Evaluate(cfg, req, requestblock.BuildOf(p.URL()))
	res.Warnings = append(warnings, res.Warnings...)
	return res, nil
}

// guard names the plugin on the scope that refuses a body wasm-go does not hand to plugins, if
// any: the bundled ai-proxy on its API paths.
func guard(f *cmdutil.Factory, store k8s.Store, scope wasmplugin.Scope, path string) (string, error) {
	proxies, err := wasmplugin.FindAll(f.Context, store, f.Namespace(), "ai-proxy")
	if err != nil {
		return "", err
	}
	scope.Matcher = wasmplugin.MatcherGo
	for _, p := range proxies {
		if cfg, _, _, err := scope.ConfigOf(p); err == nil && requestblock.BundledProxyRefuses(cfg, path) {
			return fmt.Sprintf("the bundled ai-proxy (wasmplugin %q, HTTP 415)", p.Ref()), nil
		}
	}
	return "", nil
}

func inForce(where string, cfg *requestblock.Config) string {
	if cfg == nil {
		return "no request-block config"
	}
	return "the config for " + where
}
