// Package usage holds the usage command: who spent what on which model, from the gateway's
// access log or its Prometheus metrics.
package usage

import (
	"errors"
	"fmt"
	"slices"
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
	Sort       usage.SortKey
	Output     string
	Printer    *cmdutil.Output
	Follow     bool
}

// NewCmdUsage builds usage.
func NewCmdUsage(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{F: f}
	var by []string
	var since, until, sortBy string
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

Each access-log line is one request; its model and tokens come from ai_log, its consumer from
ai_log or a top-level consumer field (ai-statistics logs one only with the attribute {key:
consumer, value_source: request_header, value: x-mse-consumer, apply_to_log: true}; without it a
warning says so). What the log does not give shows as (none), null in JSON. Cached input tokens
(cached_tokens, input_token_details) cost the cached price, or the input price for a model without
one. Costs use the built-in list prices (their date is
printed) or --prices FILE (YAML or JSON: models: {NAME: {input: X, output: Y, cached_input: Z}},
USD per million tokens). A model without a price is UNPRICED, never $0.

--follow prints each request as it is read instead of a report, and keeps following (pods' logs,
a plain file like tail -F; standard input and .gz files to their end) until interrupted: a table
line each (TIME CONSUMER MODEL ROUTE STATUS INPUT OUTPUT COST LATENCY), or with -o json one JSON
object a line (time, consumer, model, route, status, inputTokens, outputTokens, cachedTokens,
costUSD, durationMs, firstTokenMs; null when unknown), or -o csv the same fields. --since
backfills; lines are written as they come, at most every 100 ms.`,
		Example: `$ higress-ai usage --log-file examples/gateway-access.log
$ higress-ai usage --since 24h --by consumer
$ kubectl logs -n higress-system deploy/higress-gateway | higress-ai usage --log-file - -o json
$ higress-ai usage --prometheus http://prometheus:9090 --since 7d --by consumer,model -o csv
$ higress-ai usage --log-file access.log.gz --by day,model --prices prices.yaml
$ higress-ai usage --follow --since 10m -o json | jq -c 'select(.status >= 400)'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.By, err = usage.ParseDims(cmdutil.SplitList(by)); err != nil {
				return cmdutil.FlagErrorf("--by: %v", err)
			}
			now := f.Now()
			if o.Since, err = usage.ParseTime(since, now); err != nil {
				return cmdutil.FlagErrorf("--since: %v", err)
			}
			if o.Until, err = usage.ParseTime(until, now); err != nil {
				return cmdutil.FlagErrorf("--until: %v", err)
			}
			if !o.Since.IsZero() && !o.Until.IsZero() && !o.Since.Before(o.Until) {
				return cmdutil.FlagErrorf("--since must be before --until")
			}
			if len(o.LogFiles) > 0 && o.Prometheus != "" {
				return cmdutil.FlagErrorf("--log-file and --prometheus cannot be used together")
			}
			if o.Sort, err = usage.ParseSort(sortBy); err != nil {
				return cmdutil.FlagErrorf("invalid --sort %q: use cost, requests, tokens or name", sortBy)
			}
			if o.Output = string(o.Printer.Format()); o.Output == "" {
				o.Output = "table"
			}
			if o.Follow {
				for _, name := range []string{"prometheus", "until", "by", "sort"} {
					if cmd.Flags().Changed(name) {
						return cmdutil.FlagErrorf("--follow prints each request as it comes: --%s cannot be used with it", name)
					}
				}
			}
			if runF != nil {
				return runF(o)
			}
			if o.Follow {
				return followRun(o)
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
	fl.StringVar(&sortBy, "sort", "cost", "order rows by cost, requests, tokens or name")
	fl.BoolVar(&o.Follow, "follow", false, "print each request as it is read, following the logs (-o json: one object a line)")
	sorts := []string{}
	for _, k := range usage.SortKeys() {
		sorts = append(sorts, string(k))
	}
	_ = cmd.RegisterFlagCompletionFunc("sort", cmdutil.FixedValues(sorts...))
	_ = cmd.RegisterFlagCompletionFunc("by", completeDims)
	_ = cmd.MarkFlagFilename("log-file")
	_ = cmd.MarkFlagFilename("prices", "yaml", "yml", "json")
	o.Printer = cmdutil.AddOutputFlag(cmd, cmdutil.FormatTable, cmdutil.FormatWide, cmdutil.FormatJSON, cmdutil.FormatYAML, cmdutil.FormatCSV, cmdutil.FormatJSONPath)
	return cmd
}

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

func usageRun(o *Options) error {
	f := o.F
	prices, err := usage.LoadPrices(o.PricesFile)
	if err != nil {
		return fmt.Errorf("--prices: %w", err)
	}
	pricesNote := "costs are estimates from list prices of " + usage.PricesAsOf
	if o.PricesFile != "" {
		pricesNote += " and " + o.PricesFile
	}
	if err := o.checkDir(); err != nil {
		return err
	}
	rep, err := usage.MakeReport(f.Context, usage.ReportOptions{
		Sources: o.sourceOptions(), Prometheus: o.Prometheus, By: o.By, Since: o.Since, Until: o.Until,
		Prices: prices, Sort: o.Sort, Now: f.Now,
	})
	if err != nil {
		return sourceError(err)
	}
	// Notes once there is a report: a failure is one line, the error's.
	if rep.FromPrometheus {
		if o.Since.IsZero() {
			fmt.Fprintln(f.IO.ErrOut, "note: without --since, the totals are the counters' since each gateway started")
		}
		fmt.Fprintln(f.IO.ErrOut, "note: Prometheus metrics carry no errors, latencies or cached tokens")
	}
	if rep.NoConsumer {
		cmdutil.Warn(f.IO, usage.ConsumerHint)
	}
	if rep.Skipped > 0 && len(rep.Rows) == 0 && o.Since.IsZero() && o.Until.IsZero() {
		// Nothing parsed: the wrong file, or not an access log; an empty report would hide it.
		return fmt.Errorf("no line of the input is a gateway access log entry (%d skipped)", rep.Skipped)
	}
	if rep.Skipped > 0 {
		fmt.Fprintf(f.IO.ErrOut, "skipped %d unparseable lines\n", rep.Skipped)
	}
	if len(rep.Rows) == 0 && o.Printer.Human() {
		fmt.Fprintln(f.IO.ErrOut, "no requests found")
	}
	switch o.Output {
	case "json", "yaml", "jsonpath":
		rows := rep.Rows
		if rows == nil {
			rows = []usage.Row{}
		}
		return o.Printer.Data(f.IO, rows)
	case "csv":
		t := csvTable(rep)
		t.NoHeaders = o.Printer.NoHeaders
		return t.RenderCSV(f.IO)
	}
	if len(rep.Rows) == 0 {
		return nil
	}
	t := humanTable(rep, o.Output == "wide")
	t.NoHeaders = o.Printer.NoHeaders
	if err := t.Render(f.IO); err != nil {
		return err
	}
	fmt.Fprintln(f.IO.ErrOut, pricesNote)
	return nil
}

// checkDir refuses reading gateway pods in folder mode.
func (o *Options) checkDir() error {
	if o.F.Flags.Dir != "" && len(o.LogFiles) == 0 && o.Prometheus == "" {
		return cmdutil.FlagErrorf("--dir has no gateway logs: give --log-file or --prometheus")
	}
	return nil
}

// sourceError says in the flags' words what the sources refused.
func sourceError(err error) error {
	if errors.Is(err, usage.ErrStdinTwice) {
		return cmdutil.FlagErrorf("--log-file - given more than once")
	}
	return err
}

// sourceOptions are the log files, or the gateway pods, the flags name.
func (o *Options) sourceOptions() usage.SourceOptions {
	f := o.F
	return usage.SourceOptions{LogFiles: o.LogFiles, Stdin: f.IO.In, Clientset: f.Clientset,
		Namespace: f.Namespace(), Selector: o.Selector, Container: o.Container, Since: o.Since,
		Warn: func(s string) { cmdutil.Warn(f.IO, s) }}
}
