// Package dashboard holds the dashboard command: a live terminal view of who spends what on which
// model, fed by the gateway's access log.
package dashboard

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/tui"
	"github.com/higress-ai/higress-ai/internal/tui/feed"
	"github.com/higress-ai/higress-ai/internal/usage"
)

// Options are the dashboard's inputs.
type Options struct {
	F              *cmdutil.Factory
	LogFiles       []string
	Prometheus     string
	Selector       string
	Container      string
	Since          time.Time
	PricesFile     string
	ThresholdsFile string
	Refresh        time.Duration
}

// minRefresh bounds how often the screen is redrawn.
const minRefresh = 100 * time.Millisecond

// NewCmdDashboard builds dashboard.
func NewCmdDashboard(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{F: f}
	var since string
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Watch requests, tokens, cost and refusals live in the terminal",
		Long: `A live view of the gateway's AI traffic: who spends what on which model right now, the
requests being refused, and how much of the cost is an estimate.

Views (tab, 1-5 or :name): Pulse (requests/s, tokens/min, $/hour, errors, p95 latency, time to
first token, cache hits, each with a sparkline over the window), Consumers and Models (sortable
tables; enter drills down), Live (the request stream) and Denied (401/403/429 by who refused them,
read from response_code_details). Keys: ? help, / filter, s sort, +/- window (5m to 24h), p pause
(reading goes on), e/E export what is on screen to CSV/JSON in the current folder, esc back, q quit.

Sources, as for usage: the access logs of every gateway pod (--selector, -n; new pods are picked
up, restarts and dropped streams resumed), or --log-file FILE (read, then followed like tail -F;
- for standard input, keys then come from the terminal). --since backfills from that time.
--prometheus URL polls the ai-statistics metrics instead, for fleets whose logs are too many to
tail: totals over the window only (no errors, latencies, single requests or refusals there).

It needs a terminal; for a report to a file or a pipe, use higress-ai usage.`,
		Example: `$ higress-ai dashboard
$ higress-ai dashboard -n higress-system --since 1h
$ higress-ai dashboard --log-file examples/gateway-access.log
$ kubectl logs -f -n higress-system deploy/higress-gateway | higress-ai dashboard --log-file -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.Since, err = usage.ParseTime(since, f.Now()); err != nil {
				return cmdutil.FlagErrorf("--since: %v", err)
			}
			if o.Refresh < minRefresh {
				return cmdutil.FlagErrorf("--refresh must be at least %s", minRefresh)
			}
			stdin := 0
			for _, p := range o.LogFiles {
				if p == "-" {
					stdin++
				}
			}
			if stdin > 1 {
				return cmdutil.FlagErrorf("--log-file - given more than once")
			}
			if len(o.LogFiles) > 0 && o.Prometheus != "" {
				return cmdutil.FlagErrorf("--log-file and --prometheus cannot be used together")
			}
			if runF != nil {
				return runF(o)
			}
			return dashboardRun(o)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&o.LogFiles, "log-file", "f", nil, "follow this access log (- for stdin, .gz ok; repeatable)")
	fl.StringVar(&o.Prometheus, "prometheus", "", "poll the ai-statistics metrics of this Prometheus server instead of reading logs")
	fl.StringVarP(&o.Selector, "selector", "l", usage.GatewaySelector, "label selector of the gateway pods")
	fl.StringVar(&o.Container, "container", "", "gateway container (default higress-gateway, or the pod's only container)")
	fl.StringVar(&since, "since", "", "backfill requests since: a duration (1h, 7d) or a time (2026-11-20, RFC 3339)")
	fl.StringVar(&o.PricesFile, "prices", "", "price file overriding and extending the built-in prices (YAML or JSON)")
	fl.StringVar(&o.ThresholdsFile, "thresholds", "", "YAML or JSON file of the Pulse tiles' warn and crit thresholds")
	fl.DurationVar(&o.Refresh, "refresh", time.Second, "how often the screen is redrawn")
	return cmd
}

// errNoTerminal is the error off a terminal.
var errNoTerminal = errors.New("the dashboard needs a terminal on standard output: for a report to a file or a pipe, use higress-ai usage")

func dashboardRun(o *Options) error {
	f := o.F
	if !f.IO.StdoutTTY {
		return errNoTerminal
	}
	prices, err := usage.LoadPrices(o.PricesFile)
	if err != nil {
		return fmt.Errorf("--prices: %w", err)
	}
	thresholds, err := tui.LoadThresholds(o.ThresholdsFile)
	if err != nil {
		return err
	}
	// A pod source warns only once it is read, when fd is set.
	var fd *feed.Feed
	sources, name, err := o.sources(func(s string) { fd.Warn(s) })
	if err != nil {
		return err
	}
	fo := feed.Options{Sources: sources, Prices: prices, Filter: usage.Filter{Since: o.Since}, Every: o.Refresh, Now: f.Now}
	if o.Prometheus != "" {
		fo.Prometheus = &usage.Prometheus{URL: o.Prometheus}
	}
	fd = feed.New(fo)
	ctx, cancel := context.WithCancel(f.Context)
	defer cancel()
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		fd.Run(ctx)
	}()
	c := &tui.Common{Styles: tui.NewStyles(f.IO.Out, f.IO.Color), Keys: tui.DefaultKeyMap(), Thresholds: thresholds, Source: name}
	m := tui.New(tui.Options{Common: c, Controls: fd, Snapshots: fd.Snapshots(), Now: f.Now})
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx), tea.WithOutput(f.IO.Out)}
	if o.readsStdin() {
		// Standard input carries the log: keys come from the terminal itself.
		opts = append(opts, tea.WithInputTTY())
	} else {
		opts = append(opts, tea.WithInput(f.IO.In))
	}
	_, err = tea.NewProgram(m, opts...).Run()
	cancel()
	select {
	case <-fed:
	case <-time.After(2 * time.Second):
	}
	if errors.Is(err, tea.ErrProgramKilled) && f.Context.Err() != nil {
		return nil // interrupted: the terminal is restored, nothing was lost
	}
	return err
}

func (o *Options) readsStdin() bool {
	for _, p := range o.LogFiles {
		if p == "-" {
			return true
		}
	}
	return false
}

// sources returns the sources the flags name and how the header calls them.
func (o *Options) sources(warn func(string)) ([]usage.Source, string, error) {
	f := o.F
	if o.Prometheus != "" {
		return nil, "Prometheus " + o.Prometheus, nil
	}
	if len(o.LogFiles) == 0 && f.Flags.Dir != "" {
		return nil, "", cmdutil.FlagErrorf("--dir has no gateway logs: give --log-file or --prometheus")
	}
	sources, err := usage.SourceOptions{LogFiles: o.LogFiles, Stdin: f.IO.In, Clientset: f.Clientset,
		Namespace: f.Namespace(), Selector: o.Selector, Container: o.Container, Since: o.Since, Warn: warn}.Sources()
	if err != nil {
		return nil, "", err
	}
	name := sources[0].Name()
	if len(sources) > 1 {
		name = fmt.Sprintf("%d log files", len(sources))
	}
	return sources, name, nil
}
