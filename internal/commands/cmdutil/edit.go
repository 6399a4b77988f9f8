package cmdutil

import (
	"fmt"

	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// ReportEdit tells the user what an edit did: under --dry-run the diff goes to stdout (it is what
// they asked to see); the kubectl-style status line always goes to stderr, so stdout stays clean
// for data such as a new key.
func ReportEdit(s *IOStreams, res wasmplugin.Result) {
	if res.DryRun == wasmplugin.DryRunClient || res.DryRun == wasmplugin.DryRunServer {
		if res.Changed {
			fmt.Fprint(s.Out, termsafe.EscapeLines(wasmplugin.Diff(res.Before, res.Plugin.Obj)))
		}
	}
	fmt.Fprintln(s.ErrOut, termsafe.Escape(res.StatusLine()))
}
