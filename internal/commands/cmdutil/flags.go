package cmdutil

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// DefaultNamespace is where Higress reads WasmPlugins.
const DefaultNamespace = "higress-system"

// GlobalFlags are the flags every command has.
type GlobalFlags struct {
	Kubeconfig string
	Context    string
	Namespace  string
	Dir        string
	Output     string
	DryRun     string
	NoColor    bool
}

// Bind registers the global flags.
func (g *GlobalFlags) Bind(fs *pflag.FlagSet) {
	fs.StringVar(&g.Kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default $KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&g.Context, "context", "", "kubeconfig context to use")
	fs.StringVarP(&g.Namespace, "namespace", "n", DefaultNamespace, "namespace of the Higress installation")
	fs.StringVar(&g.Dir, "dir", "", "work on a folder of WasmPlugin YAML files instead of a cluster")
	fs.StringVarP(&g.Output, "output", "o", "", "output format: table|wide|json|yaml|name (csv for reports)")
	fs.StringVar(&g.DryRun, "dry-run", "none", `"none", "client" or "server": show what would change and write nothing`)
	fs.Lookup("dry-run").NoOptDefVal = "client"
	fs.BoolVar(&g.NoColor, "no-color", false, "disable colour in output (also NO_COLOR)")
}

// DryRunMode validates --dry-run.
func (g *GlobalFlags) DryRunMode() (wasmplugin.DryRun, error) {
	switch d := wasmplugin.DryRun(g.DryRun); d {
	case wasmplugin.DryRunNone, wasmplugin.DryRunClient, wasmplugin.DryRunServer:
		return d, nil
	}
	return "", FlagErrorf("invalid --dry-run %q: use none, client or server", g.DryRun)
}

// OutputFormat validates -o against the formats a command supports; "" means table.
func (g *GlobalFlags) OutputFormat(allowed ...string) (string, error) {
	f := strings.ToLower(g.Output)
	if f == "" {
		f = "table"
	}
	if !slices.Contains(allowed, f) {
		return "", FlagErrorf("invalid --output %q for this command: use %s", g.Output, strings.Join(allowed, ", "))
	}
	return f, nil
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
func Quote(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
