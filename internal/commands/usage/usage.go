// Package usage holds the usage command: who spent what on which model, from the gateway's
// access log or its Prometheus metrics.
package usage

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/usage"
)

// Options are usage's inputs.
type Options struct {
	F          *cmdutil.Factory
	LogFiles   []string
	Prometheus string
	Selector   string
	Container  string
	By         []usage.Dim
	Since      time.Time // zero: no lower bound
	Until      time.Time // zero: now
	PricesFile string
	Sort       string
	Output     *cmdutil.Output
}

// NewCmdUsage builds usage.
func NewCmdUsage(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{F: f}
	var by []string
	var since, until string
	cmd := &cobra.Command{
		Use:   "usage",
		Short: "Report requests, tokens and estimated cost by consumer and model",
		Long: `Report who spent what on which model: requests, errors, input and output tokens, estimated cost
in USD and latency (p50/p95), grouped by any of consumer, model, route, day and status.

Sources:
  (default)          the access logs of every gateway pod (--selector) in the namespace (-n),
                     read concurrently; a restarted gateway's previous log too
  --log-file FILE    gateway access logs (- for standard input; .gz read transparently; repeatable)
  --prometheus URL   the ai-statistics metrics a Prometheus server scraped from the gateways, over
                     --since..--until (no errors, latency or cached tokens there)

Each access-log line is one request; its consumer, model and tokens come from ai_log (none when
the gateway wrote no ai_log, as before v2.0.5). Costs use the built-in list prices (their date is
printed) or --prices FILE (YAML or JSON: models: {NAME: {input: X, output: Y, cached_input: Z}},
USD per million tokens). A model without a price is UNPRICED, never $0.`,
		Example: `$ higress-ai usage --log-file examples/gateway-access.log
$ higress-ai usage --since 24h --by consumer
$ kubectl logs -n higress-system deploy/higress-gateway | higress-ai usage --log-file - -o json
$ higress-ai usage --prometheus http://prometheus:9090 --since 7d --by consumer,model -o csv
$ higress-ai usage --log-file access.log.gz --by day,model --prices prices.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.By, err = usage.ParseDims(cmdutil.SplitList(by)); err != nil {
				return cmdutil.FlagErrorf("--by: %v", err)
			}
			now := f.Now()
			if o.Since, err = parseTime(since, now); err != nil {
				return cmdutil.FlagErrorf("--since: %v", err)
			}
			if o.Until, err = parseTime(until, now); err != nil {
				return cmdutil.FlagErrorf("--until: %v", err)
			}
			if !o.Since.IsZero() && !o.Until.IsZero() && !o.Since.Before(o.Until) {
				return cmdutil.FlagErrorf("--since must be before --until")
			}
			if len(o.LogFiles) > 0 && o.Prometheus != "" {
				return cmdutil.FlagErrorf("--log-file and --prometheus cannot be used together")
			}
			if !slices.Contains(sortKeys, o.Sort) {
				return cmdutil.FlagErrorf("invalid --sort %q: use cost, requests, tokens or name", o.Sort)
			}
			if runF != nil {
				return runF(o)
			}
			return usageRun(o)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&o.LogFiles, "log-file", "f", nil, "read this access log (- for stdin, .gz ok; repeatable)")
	fl.StringVar(&o.Prometheus, "prometheus", "", "read the ai-statistics metrics from this Prometheus server")
	fl.StringVarP(&o.Selector, "selector", "l", usage.GatewaySelector, "label selector of the gateway pods")
	fl.StringVar(&o.Container, "container", "", "gateway container (default higress-gateway, or the pod's only container)")
	fl.StringSliceVar(&by, "by", []string{"consumer", "model"}, "group by: consumer, model, route, day, status")
	fl.StringVar(&since, "since", "", "only requests since: a duration (24h, 7d) or a time (2026-11-20, RFC 3339)")
	fl.StringVar(&until, "until", "", "only requests before: a duration ago or a time (default now)")
	fl.StringVar(&o.PricesFile, "prices", "", "price file overriding and extending the built-in prices (YAML or JSON)")
	fl.StringVar(&o.Sort, "sort", "cost", "order rows by cost, requests, tokens or name")
	_ = cmd.RegisterFlagCompletionFunc("sort", cmdutil.FixedValues(sortKeys...))
	_ = cmd.RegisterFlagCompletionFunc("by", completeDims)
	_ = cmd.MarkFlagFilename("log-file")
	_ = cmd.MarkFlagFilename("prices", "yaml", "yml", "json")
	o.Output = cmdutil.AddOutputFlag(cmd, cmdutil.FormatTable, cmdutil.FormatWide, cmdutil.FormatJSON, cmdutil.FormatYAML, cmdutil.FormatCSV, cmdutil.FormatJSONPath)
	return cmd
}

var sortKeys = []string{"cost", "requests", "tokens", "name"}

// completeDims completes --by, a comma-separated list of dimensions.
func completeDims(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	prefix, given := "", []string(nil)
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		prefix, given = toComplete[:i+1], strings.Split(toComplete[:i], ",")
	}
	var out []string
	for _, d := range []string{"consumer", "model", "route", "day", "status"} {
		if !slices.Contains(given, d) {
			out = append(out, prefix+d)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// parseTime reads a --since/--until value: empty, a duration back from now (with d for days), a
// date, or an RFC 3339 time.
func parseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.ParseFloat(days, 64); err == nil && n > 0 {
			return now.Add(-time.Duration(n * 24 * float64(time.Hour))), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid time %q: use a duration such as 24h or 7d, a date such as 2026-11-20, or an RFC 3339 time", s)
}

func usageRun(o *Options) error {
	f := o.F
	prices := usage.BuiltinPrices()
	pricesNote := "costs are estimates from list prices of " + usage.PricesAsOf
	if o.PricesFile != "" {
		if err := prices.LoadFile(o.PricesFile); err != nil {
			return err
		}
		pricesNote += " and " + o.PricesFile
	}
	var groups []*usage.Group
	if o.Prometheus != "" {
		until := o.Until
		if until.IsZero() {
			until = f.Now()
		}
		var err error
		if groups, err = (usage.Prometheus{URL: o.Prometheus}).Query(f.Context, o.By, o.Since, until, prices); err != nil {
			return err
		}
		// Notes once there is a report: a failure is one line, the error's.
		if o.Since.IsZero() {
			fmt.Fprintln(f.IO.ErrOut, "note: without --since, the totals are the counters' since each gateway started")
		}
		fmt.Fprintln(f.IO.ErrOut, "note: Prometheus metrics carry no errors, latencies or cached tokens")
	} else {
		sources, err := o.sources()
		if err != nil {
			return err
		}
		agg := usage.NewAggregator(o.By, prices)
		if err := usage.Collect(f.Context, sources, false, usage.Filter{Since: o.Since, Until: o.Until}, agg); err != nil {
			return err
		}
		if agg.Skipped > 0 && agg.Requests == 0 && o.Since.IsZero() && o.Until.IsZero() {
			// Nothing parsed: the wrong file, or not an access log; an empty report would hide it.
			return fmt.Errorf("no line of the input is a gateway access log entry (%d skipped)", agg.Skipped)
		}
		if agg.Skipped > 0 {
			fmt.Fprintf(f.IO.ErrOut, "skipped %d unparseable lines\n", agg.Skipped)
		}
		groups = agg.Groups()
	}
	sortGroups(groups, o.Sort)
	rows := make([]Row, len(groups))
	for i, g := range groups {
		rows[i] = newRow(o.By, g)
	}
	if len(rows) == 0 && o.Output.Human() {
		fmt.Fprintln(f.IO.ErrOut, "no requests found")
	}
	switch o.Output.Format() {
	case cmdutil.FormatJSON, cmdutil.FormatYAML, cmdutil.FormatJSONPath:
		return o.Output.Data(f.IO, rows)
	case cmdutil.FormatCSV:
		t := csvTable(o.By, rows)
		t.NoHeaders = o.Output.NoHeaders
		return t.RenderCSV(f.IO)
	}
	if len(rows) == 0 {
		return nil
	}
	t := humanTable(o.By, rows, o.Output.Format() == cmdutil.FormatWide)
	t.NoHeaders = o.Output.NoHeaders
	if err := t.Render(f.IO); err != nil {
		return err
	}
	fmt.Fprintln(f.IO.ErrOut, pricesNote)
	return nil
}

func (o *Options) sources() ([]usage.Source, error) {
	f := o.F
	if len(o.LogFiles) > 0 {
		var out []usage.Source
		stdin := 0
		for _, p := range o.LogFiles {
			if p == "-" {
				stdin++
			} else if st, err := os.Stat(p); err != nil {
				return nil, fmt.Errorf("cannot read log file %s: %w", p, unwrapStat(err))
			} else if st.IsDir() {
				return nil, fmt.Errorf("cannot read log file %s: is a directory", p)
			}
			out = append(out, usage.FileSource{Path: p, Stdin: f.IO.In})
		}
		if stdin > 1 {
			return nil, cmdutil.FlagErrorf("--log-file - given more than once")
		}
		return out, nil
	}
	if f.Flags.Dir != "" {
		return nil, cmdutil.FlagErrorf("--dir has no gateway logs: give --log-file or --prometheus")
	}
	cs, err := f.Clientset()
	if err != nil {
		return nil, err
	}
	src := usage.PodSource{Client: cs, Namespace: f.Namespace(), Selector: o.Selector, Container: o.Container, Since: o.Since,
		Warn: func(s string) { cmdutil.Warn(f.IO, s) }}
	return []usage.Source{src}, nil
}

func unwrapStat(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func sortGroups(groups []*usage.Group, by string) {
	less := map[string]func(a, b *usage.Group) int{
		"cost":     func(a, b *usage.Group) int { return cmpDesc(a.CostPico, b.CostPico) },
		"requests": func(a, b *usage.Group) int { return cmpDesc(a.Requests, b.Requests) },
		"tokens": func(a, b *usage.Group) int {
			return cmpDesc(a.InputTokens+a.OutputTokens, b.InputTokens+b.OutputTokens)
		},
		"name": func(a, b *usage.Group) int { return 0 },
	}[by]
	slices.SortStableFunc(groups, func(a, b *usage.Group) int {
		if c := less(a, b); c != 0 {
			return c
		}
		return slices.Compare(a.Keys, b.Keys)
	})
}

func cmpDesc[T int64 | float64](a, b T) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}
