package cmdutil

import (
	"fmt"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// RefreshKeyAuth keeps the bundled ai-proxy's keyAuth block in step after a command changed the
// key-auth plugin, and reports the edit when there was one.
func RefreshKeyAuth(f *Factory, store k8s.Store, dry wasmplugin.DryRun) error {
	res, err := aiplugin.RefreshKeyAuth(f.Context, store, f.Namespace(), dry)
	if err != nil {
		return fmt.Errorf("key-auth changed, but the bundled ai-proxy's keyAuth block was not updated (run plugin install again): %w", err)
	}
	if res.Changed {
		ReportEdit(f.IO, res)
	}
	return nil
}
