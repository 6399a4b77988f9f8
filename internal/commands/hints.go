package commands

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/action"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// hint is what to do about a domain error, in the command line's terms: the domain packages name
// no flag (the dashboard and doctor show their errors too), so the flags are named here, once,
// and only when the command that failed has them.
func hint(cmd *cobra.Command, err error) string {
	has := func(flag string) bool { return cmd != nil && cmd.Flags().Lookup(flag) != nil }
	inRoute := cmd != nil && cmd.Parent() != nil && cmd.Parent().Name() == "route"
	switch {
	case errors.Is(err, wasmplugin.ErrAmbiguous) && has("plugin"):
		return "choose one with --plugin"
	case errors.Is(err, gateway.ErrUnknownRoute) && has("any-route"):
		return "see higress-ai route list, or use --any-route"
	case errors.Is(err, gateway.ErrUnknownRoute):
		return "see higress-ai route list"
	case errors.Is(err, action.ErrStillAllowed) && has("force"):
		return "unbind it first or use --force"
	case errors.Is(err, gateway.ErrUnknownConsumer) && inRoute:
		return "add it first with higress-ai consumer add"
	case errors.Is(err, wasmplugin.ErrNotFound) && inRoute:
		return "add a consumer first (higress-ai consumer add NAME)"
	}
	return ""
}
