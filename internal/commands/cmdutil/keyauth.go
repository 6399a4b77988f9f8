package cmdutil

import (
	"context"
	"fmt"

	"github.com/higress-ai/higress-ai/internal/aiplugin"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// RefreshKeyAuth keeps the bundled ai-proxy's keyAuth block in step after a command changed the
// key-auth plugin, and reports the edit when there was one.
func RefreshKeyAuth(ctx context.Context, s *IOStreams, env gateway.Env, dry wasmplugin.DryRun) error {
	res, err := aiplugin.RefreshKeyAuth(ctx, env.Store, env.Namespace, dry)
	if err != nil {
		return fmt.Errorf("key-auth changed, but the bundled ai-proxy's keyAuth block was not updated (run plugin install again): %w", err)
	}
	if res.Changed {
		ReportEdit(s, res)
	}
	return nil
}

// ReportEdit tells what an edit of a second plugin did, in the human form: the diff under a dry
// run, and kubectl's status line.
func ReportEdit(s *IOStreams, res wasmplugin.Result) {
	(*Output)(nil).Mutation(s, res, "", nil, nil, nil)
}
