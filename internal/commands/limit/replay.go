package limit

import (
	"context"
	"fmt"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/ratelimit"
	"github.com/higress-ai/higress-ai/internal/usage"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// ReplayOptions are limit replay's inputs.
type ReplayOptions struct {
	IO     *cmdutil.IOStreams
	Env    func() (gateway.Env, error)
	Output *cmdutil.Output

	LogFiles   []string
	LimitsFile string
	PricesFile string
	Plugin     string
}

// NewCmdReplay builds limit replay.
func NewCmdReplay(f *cmdutil.Factory, runF func(context.Context, *ReplayOptions) error) *cobra.Command {
	o := &ReplayOptions{IO: f.IO, Env: f.Env}
	cmd := &cobra.Command{
		Use:   "replay --log-file LOG",
		Short: "Replay real gateway traffic through token limits before you enforce them",
		Long: `Run the requests of gateway access logs through the limits in force (the ai-token-ratelimit
WasmPlugin of the cluster or --dir), or proposed ones (--limits FILE: an ai-token-ratelimit
config, or a WasmPlugin document holding one), exactly as the plugin decides, and report per
consumer the requests that would have been refused, when the first would have been, and the
tokens and estimated cost they would not have spent. Memory stays flat whatever the log's size.

Logs are read in order, one after the other (give rotated files oldest first). Route rules apply
by the log's route_name; rule items keyed on headers, parameters, cookies or client addresses
cannot be decided from a log and count as not matching (the report says so).

` + semantics,
		Example: `$ higress-ai limit replay --log-file access.log
$ higress-ai limit replay --log-file access.log.1.gz --log-file access.log --limits proposed.yaml -o csv`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(o.LogFiles) == 0 {
				return cmdutil.FlagErrorf("give the traffic to replay: --log-file LOG (- for standard input)")
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return replayRun(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&o.LogFiles, "log-file", "f", nil, "an access log to replay (- for stdin, .gz ok; repeatable, oldest first)")
	fl.StringVar(&o.LimitsFile, "limits", "", "proposed limits: an ai-token-ratelimit config or WasmPlugin (YAML or JSON)")
	fl.StringVar(&o.PricesFile, "prices", "", "price file overriding and extending the built-in prices (as usage takes it)")
	_ = cmd.MarkFlagFilename("log-file")
	_ = cmd.MarkFlagFilename("limits", "yaml", "yml", "json")
	pluginFlag(f, cmd, &o.Plugin)
	o.Output = cmdutil.AddOutputFlag(cmd, cmdutil.FormatTable, cmdutil.FormatJSON, cmdutil.FormatYAML, cmdutil.FormatCSV, cmdutil.FormatJSONPath)
	return cmd
}

// pluginPolicy applies a WasmPlugin's limits as Higress would: the first enabled rule naming the
// route, else the global config unless it is disabled.
type pluginPolicy struct {
	global *ratelimit.Config
	routes map[string]*ratelimit.Config // nil value: the rule names the route but limits nothing
}

func (p pluginPolicy) empty() bool {
	if p.global != nil {
		return false
	}
	for _, c := range p.routes {
		if c != nil && !c.Empty() {
			return false
		}
	}
	return true
}

func (p pluginPolicy) Limits(route string) *ratelimit.Config {
	if c, ok := p.routes[route]; ok {
		return c
	}
	return p.global
}

// policyOf reads the limits of a WasmPlugin.
func policyOf(p wasmplugin.Plugin) (pluginPolicy, []string, error) {
	pol := pluginPolicy{routes: map[string]*ratelimit.Config{}}
	var notes []string
	if !p.GlobalDisabled() {
		cfg, err := ratelimit.Parse(p.DefaultConfig())
		if err != nil {
			return pol, nil, fmt.Errorf("the global config of wasmplugin %q: %w", p.Ref(), err)
		}
		if !cfg.Empty() {
			pol.global = cfg
		}
	}
	rules, err := wasmplugin.Enabled(p)
	if err != nil {
		return pol, nil, err
	}
	for _, r := range rules {
		var cfg *ratelimit.Config
		if r.Config() != nil {
			if cfg, err = ratelimit.Parse(r.Config()); err != nil {
				return pol, nil, fmt.Errorf("matchRules[%d] of wasmplugin %q: %w", r.Index, p.Ref(), err)
			}
			if cfg.Empty() {
				cfg = nil
			}
		}
		for _, route := range r.Ingress() {
			if _, seen := pol.routes[route]; !seen {
				pol.routes[route] = cfg
			}
		}
		if len(r.Ingress()) == 0 && (len(r.Domain()) > 0 || len(r.Service()) > 0) {
			notes = append(notes, fmt.Sprintf("the rule for %s is not replayed: access logs name the route, not the domain or service", r.Targets()))
		}
	}
	return pol, notes, nil
}

// proposed reads --limits: a WasmPlugin document, or a bare config.
func proposed(path, ns string) (wasmplugin.Plugin, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return wasmplugin.Plugin{}, fmt.Errorf("--limits: %w", err)
	}
	var m map[string]any
	if err := yaml.UnmarshalStrict(data, &m); err != nil {
		return wasmplugin.Plugin{}, fmt.Errorf("--limits %s: not a YAML or JSON object: %s", path, firstLine(err.Error()))
	}
	if k, _ := m["kind"].(string); k != "" {
		p := wasmplugin.Plugin{Obj: &unstructured.Unstructured{Object: m}}
		if k != "WasmPlugin" || p.PluginName() != ratelimit.Plugin {
			return wasmplugin.Plugin{}, fmt.Errorf("--limits %s: a %s that is not an ai-token-ratelimit WasmPlugin", path, k)
		}
	}
	if m["kind"] == nil {
		m = map[string]any{"apiVersion": "extensions.higress.io/v1alpha1", "kind": "WasmPlugin",
			"metadata": map[string]any{"name": "proposed", "namespace": ns}, "spec": map[string]any{"defaultConfig": m}}
	}
	return wasmplugin.Plugin{Obj: &unstructured.Unstructured{Object: m}}, nil
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}

// ReplayRow is one consumer's line of the report.
type ReplayRow struct {
	Consumer        string   `json:"consumer"`
	Requests        int64    `json:"requests"`
	Refused         int64    `json:"refused"`
	FirstRefused    string   `json:"firstRefused,omitempty"`
	TokensSaved     int64    `json:"tokensSaved"`
	CostSavedUSD    *float64 `json:"costSavedUsd"`
	UnpricedRefused int64    `json:"unpricedRefused"`
}

func replayRun(ctx context.Context, o *ReplayOptions) error {
	var p *wasmplugin.Plugin
	env, err := o.Env()
	if err != nil {
		return err
	}
	if o.LimitsFile != "" {
		pp, err := proposed(o.LimitsFile, env.Namespace)
		if err != nil {
			return err
		}
		p = &pp
	} else if p, err = env.Find(ctx, action.RateLimitTarget(env, o.Plugin)); err != nil {
		return err
	} else if p == nil {
		return fmt.Errorf("no ai-token-ratelimit wasmplugin in namespace %q: give proposed limits with --limits FILE", env.Namespace)
	}
	pol, notes, err := policyOf(*p)
	if err != nil {
		return err
	}
	if pol.empty() {
		return fmt.Errorf("no token limit to replay in %s: no enabled config has rule_items or global_threshold", p.Ref())
	}
	prices := usage.BuiltinPrices()
	if o.PricesFile != "" {
		if err := prices.LoadFile(o.PricesFile); err != nil {
			return err
		}
	}
	r := ratelimit.NewReplay(pol, prices)
	parser := usage.NewParser()
	var lines, skipped int64
	for _, path := range o.LogFiles {
		src := usage.FileSource{Path: path, Stdin: o.IO.In}
		err := src.Read(ctx, false, func() func([]byte) {
			return func(line []byte) {
				rec, kind := parser.Parse(line)
				switch kind {
				case usage.Request:
					lines++
					r.Add(&rec)
				case usage.Skipped:
					skipped++
				}
			}
		})
		if err != nil {
			return err
		}
	}
	r.Finish()
	if lines == 0 {
		return fmt.Errorf("no request in the log (%d line(s) skipped): nothing to replay", skipped)
	}
	for _, n := range notes {
		fmt.Fprintln(o.IO.ErrOut, "note: "+n)
	}
	if r.Undecidable {
		fmt.Fprintln(o.IO.ErrOut, "note: rule items keyed on headers, parameters, cookies or client addresses come before some consumers' limits and cannot be decided from a log: they were taken as not matching")
	}
	if r.Unplaced > 0 || r.OutOfOrder > 0 {
		fmt.Fprintf(o.IO.ErrOut, "warning: %d request(s) without a start time were left out, %d came out of order (give logs oldest first)\n", r.Unplaced, r.OutOfOrder)
	}
	if skipped > 0 {
		fmt.Fprintf(o.IO.ErrOut, "skipped %d line(s) that are not JSON objects\n", skipped)
	}
	rows := []ReplayRow{}
	for _, res := range r.Results() {
		row := ReplayRow{Consumer: res.Consumer, Requests: res.Requests, Refused: res.Refused, TokensSaved: res.TokensSaved, UnpricedRefused: res.UnpricedRefused}
		if !res.FirstRefused.IsZero() {
			row.FirstRefused = res.FirstRefused.UTC().Format(time.RFC3339)
		}
		if res.Refused > res.UnpricedRefused || res.Refused == 0 {
			v := float64(res.CostSavedPico) / 1e12
			row.CostSavedUSD = &v
		}
		rows = append(rows, row)
	}
	return printReplay(o, rows)
}

func printReplay(o *ReplayOptions, rows []ReplayRow) error {
	switch o.Output.Format() {
	case cmdutil.FormatJSON, cmdutil.FormatYAML, cmdutil.FormatJSONPath:
		return o.Output.Data(o.IO, rows)
	}
	t := cmdutil.NewTable("CONSUMER", "REQUESTS", "REFUSED", "FIRST REFUSED", "TOKENS SAVED", "COST SAVED")
	for _, r := range rows {
		first := "-"
		if r.FirstRefused != "" {
			first = r.FirstRefused
		}
		cost := "unpriced"
		if r.CostSavedUSD != nil {
			cost = fmt.Sprintf("$%.2f", *r.CostSavedUSD)
			if r.UnpricedRefused > 0 {
				cost += fmt.Sprintf(" + %d unpriced", r.UnpricedRefused)
			}
		}
		consumer := termsafe.Escape(r.Consumer)
		if consumer == "" && o.Output.Format() != cmdutil.FormatCSV {
			consumer = "(none)" // as usage shows a request without a consumer
		}
		if o.Output.Format() == cmdutil.FormatCSV {
			if r.CostSavedUSD != nil {
				cost = fmt.Sprintf("%.6f", *r.CostSavedUSD)
			} else {
				cost = ""
			}
		}
		t.Row(consumer, fmt.Sprint(r.Requests), fmt.Sprint(r.Refused), first, fmt.Sprint(r.TokensSaved), cost)
	}
	if o.Output.Format() == cmdutil.FormatCSV {
		return t.RenderCSV(o.IO)
	}
	t.NoHeaders = o.Output.NoHeaders
	return t.Render(o.IO)
}
