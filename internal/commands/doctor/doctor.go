// Package doctor holds the doctor command: coded checks of everything higress-ai relies on.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/doctor"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/higress-ai/higress-ai/internal/usage"
)

// Options are doctor's inputs.
type Options struct {
	F         *cmdutil.Factory
	Threshold doctor.Level
	Suppress  []doctor.Suppression
	ShowInfo  bool
	Brief     bool
	// Consumer and Route: trace one consumer's request to one route instead of checking everything.
	Consumer, Route string
	Wait            time.Duration // 0: check once
	Output          string
}

// NewCmdDoctor builds doctor.
func NewCmdDoctor(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{F: f}
	var threshold string
	var suppress []string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the gateway for what higress-ai relies on and what commonly goes wrong",
		Long: `Check the cluster (or, with --dir, a folder offline) for what higress-ai and an AI gateway
rely on: the WasmPlugin CRD and your RBAC, which AI plugins run and in what order, key-auth's
consumers and allow lists, whether usage reaches the access log attributed to consumers, and
token limits. Each finding has a stable code (docs/doctor.md explains each), a level, the object
it concerns and the fix.

Exit status: 0 when nothing at or above --failure-threshold (default error) was found, 1 when
something was, 2 or more when doctor itself could not run.`,
		Example: `$ higress-ai doctor
$ higress-ai doctor --failure-threshold warning -o json
$ higress-ai doctor --dir gitops/ --suppress HAI0207
$ higress-ai doctor --wait 2m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.Threshold, err = doctor.ParseLevel(threshold); err != nil {
				return cmdutil.FlagErrorf("--failure-threshold: %v", err)
			}
			for _, s := range cmdutil.SplitList(suppress) {
				sup, err := doctor.ParseSuppression(s)
				if err != nil {
					return cmdutil.FlagErrorf("--suppress: %v", err)
				}
				o.Suppress = append(o.Suppress, sup)
			}
			if (o.Consumer == "") != (o.Route == "") {
				return cmdutil.FlagErrorf("--consumer and --route go together: the consumer whose request to the route is traced")
			}
			if o.Output, err = f.Flags.OutputFormat("table", "json", "yaml"); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			err = run(o)
			if err != nil && !errors.Is(err, ErrFound) {
				return &cmdutil.CheckError{Err: err}
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&threshold, "failure-threshold", "error", "exit 1 when a finding at this level or above is found: info, warning or error")
	fl.StringSliceVar(&suppress, "suppress", nil, "hide findings: CODE or CODE=OBJECT (a trailing * matches the rest; repeatable)")
	fl.BoolVar(&o.ShowInfo, "show-info", false, "also list informational findings (what is installed, the context)")
	fl.BoolVar(&o.Brief, "brief", false, "print one summary line")
	fl.StringVar(&o.Consumer, "consumer", "", "with --route: trace this consumer's request through the gateway, step by step")
	fl.StringVar(&o.Route, "route", "", "with --consumer: the route the traced request goes to")
	fl.DurationVar(&o.Wait, "wait", 0, "check again every few seconds until nothing at or above the threshold is found, for at most this long")
	return cmd
}

// ErrFound ends doctor with exit code 1 once the findings are printed.
var ErrFound = fmt.Errorf("%w", cmdutil.ErrSilent)

func run(o *Options) error {
	f := o.F
	deadline := f.Now().Add(o.Wait)
	for {
		findings, err := check(o)
		if err != nil {
			return err
		}
		found := doctor.AtOrAbove(findings, o.Threshold)
		if found == 0 || o.Wait == 0 || !f.Now().Before(deadline) {
			if err := print(o, findings); err != nil {
				return err
			}
			if found > 0 {
				return ErrFound
			}
			return nil
		}
		select {
		case <-f.Context.Done():
			return f.Context.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// check gathers the snapshot and runs the checks; an unreachable cluster is a finding, not an error.
func check(o *Options) ([]doctor.Finding, error) {
	f := o.F
	ctx := f.Context
	store, err := f.Store()
	if err != nil {
		return nil, err
	}
	ns := f.Namespace()
	routes := func() ([]k8s.Route, error) { return f.Routes(store) }
	var cluster func() *doctor.Cluster
	if f.Flags.Dir == "" {
		cs, err := f.Clientset()
		if err != nil {
			return nil, err
		}
		ctxName, server := currentContext(f)
		if _, err := cs.Discovery().ServerVersion(); err != nil {
			return []doctor.Finding{{Code: "HAI0101", Level: doctor.Error, Object: "cluster/" + ctxName,
				Message: fmt.Sprintf("%s does not answer: %s", server, oneLine(err)), Fix: "check the context (kubectl config current-context) and that the API server is up"}}, nil
		}
		cluster = func() *doctor.Cluster { return gatherCluster(ctx, cs, ns, ctxName, server) }
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	g, err := gather(tctx, store, ns, routes, cluster)
	if err != nil {
		return nil, err
	}
	if o.Consumer != "" {
		// A trace's steps stay in the order the plugins run; an error step fails it.
		o.Threshold, o.ShowInfo = doctor.Error, true
		return doctor.Filter(doctor.Trace(g, o.Consumer, o.Route, usage.BuiltinPrices()), o.Suppress), nil
	}
	return doctor.Filter(doctor.Check(g), o.Suppress), nil
}

func currentContext(f *cmdutil.Factory) (name, server string) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = f.Flags.Kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: f.Flags.Context})
	raw, err := cc.RawConfig()
	if err == nil {
		name = raw.CurrentContext
		if f.Flags.Context != "" {
			name = f.Flags.Context
		}
	}
	if cfg, err := cc.ClientConfig(); err == nil {
		server = cfg.Host
	}
	return name, server
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// jsonFinding is a finding as -o json prints it.
type jsonFinding struct {
	Code    string `json:"code"`
	Level   string `json:"level"`
	Object  string `json:"object"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

func print(o *Options, fs []doctor.Finding) error {
	s := o.F.IO
	counts := map[doctor.Level]int{}
	for _, f := range fs {
		counts[f.Level]++
	}
	summary := fmt.Sprintf("%d error(s), %d warning(s), %d info", counts[doctor.Error], counts[doctor.Warning], counts[doctor.Info])
	switch {
	case o.Output != "table":
		out := make([]jsonFinding, 0, len(fs))
		for _, f := range fs {
			out = append(out, jsonFinding{f.Code, f.Level.String(), f.Object, f.Message, f.Fix})
		}
		return cmdutil.PrintStructured(s, o.Output, map[string]any{"findings": out, "errors": counts[doctor.Error], "warnings": counts[doctor.Warning], "info": counts[doctor.Info]})
	case o.Brief:
		_, err := fmt.Fprintln(s.Out, verdict(counts)+": "+summary)
		return err
	}
	for _, f := range fs {
		if f.Level == doctor.Info && !o.ShowInfo {
			continue
		}
		fmt.Fprintf(s.Out, "%s %s %-7s %s: %s\n", mark(s, f.Level), f.Code, f.Level, termsafe.Escape(f.Object), termsafe.Escape(f.Message))
		if f.Fix != "" {
			fmt.Fprintf(s.Out, "    fix: %s\n", termsafe.Escape(f.Fix))
		}
	}
	if counts[doctor.Error]+counts[doctor.Warning] == 0 {
		fmt.Fprintln(s.ErrOut, "no issues found")
		return nil
	}
	fmt.Fprintln(s.ErrOut, summary)
	return nil
}

func verdict(counts map[doctor.Level]int) string {
	switch {
	case counts[doctor.Error] > 0:
		return "unhealthy"
	case counts[doctor.Warning] > 0:
		return "degraded"
	}
	return "healthy"
}

func mark(s *cmdutil.IOStreams, l doctor.Level) string {
	switch l {
	case doctor.Error:
		return "✗"
	case doctor.Warning:
		return "!"
	}
	return "✓"
}
