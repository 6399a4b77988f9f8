package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// DefaultNamespace is where Higress reads WasmPlugins.
const DefaultNamespace = "higress-system"

// EnvDir is the environment variable that gives --dir its default.
const EnvDir = "HIGRESS_AI_DIR"

// GlobalFlags are the flags every command has.
type GlobalFlags struct {
	Kubeconfig string
	Context    string
	Namespace  string
	Dir        string
	NoColor    bool
}

// Bind registers the global flags; dir is --dir's default (from HIGRESS_AI_DIR).
func (g *GlobalFlags) Bind(fs *pflag.FlagSet, dir string) {
	fs.StringVar(&g.Kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default $KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&g.Context, "context", "", "kubeconfig context to use")
	fs.StringVarP(&g.Namespace, "namespace", "n", DefaultNamespace, "namespace of the Higress installation")
	fs.StringVar(&g.Dir, "dir", dir, "work on a folder of WasmPlugin YAML files instead of a cluster (default $"+EnvDir+")")
	fs.BoolVar(&g.NoColor, "no-color", false, "disable colour in output (also NO_COLOR)")
}

// dryRunValue is --dry-run: parsed and checked once, when the flag is set.
type dryRunValue struct{ mode *wasmplugin.DryRun }

func (v dryRunValue) String() string { return string(*v.mode) }
func (v dryRunValue) Type() string   { return "mode" }
func (v dryRunValue) Set(s string) error {
	d, err := wasmplugin.ParseDryRun(s)
	if err != nil {
		return fmt.Errorf("use none, client or server")
	}
	*v.mode = d
	return nil
}

// AddDryRunFlag gives a mutation --dry-run[=none|client|server] (bare --dry-run is client).
func AddDryRunFlag(cmd *cobra.Command, mode *wasmplugin.DryRun) {
	*mode = wasmplugin.DryRunNone
	fs := cmd.Flags()
	fs.Var(dryRunValue{mode}, "dry-run", `"client" shows the change and writes nothing; "server" has the API server validate it; "none" writes`)
	fs.Lookup("dry-run").NoOptDefVal = string(wasmplugin.DryRunClient)
	_ = cmd.RegisterFlagCompletionFunc("dry-run", FixedValues("none", "client", "server"))
}

// FixedValues completes a flag from a fixed list.
func FixedValues(values ...string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// SplitList splits a comma-separated flag value, dropping blanks.
func SplitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// Quote quotes each name for messages: "a", "b".
func Quote(names []string) string { return gateway.QuoteNames(names) }

// Exclusive refuses, before the command runs, any two of these flags given together:
// "--header and --query cannot be used together".
func Exclusive(cmd *cobra.Command, flags ...string) {
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		var set []string
		for _, f := range flags {
			if c.Flags().Changed(f) {
				set = append(set, "--"+f)
			}
		}
		if len(set) > 1 {
			return FlagErrorf("%s cannot be used together", strings.Join(set, " and "))
		}
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}
