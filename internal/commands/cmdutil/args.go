package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"
)

// ExactArgs takes exactly the named positional arguments; an error names the missing one.
func ExactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < len(names):
			return FlagErrorf("missing %s: %s takes %s", names[len(args)], cmd.CommandPath(), strings.Join(names, " "))
		case len(args) > len(names):
			return FlagErrorf("too many arguments: %s takes %s, got %s", cmd.CommandPath(), strings.Join(names, " "), Quote(args))
		}
		return nil
	}
}

// MinimumArgs takes at least one of the named argument (NAME...).
func MinimumArgs(name string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return FlagErrorf("missing %s: %s takes one or more", name, cmd.CommandPath())
		}
		return nil
	}
}

// NoArgs takes no positional argument.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("unexpected argument %q: %s takes none", args[0], cmd.CommandPath())
	}
	return nil
}

// MaximumArgs takes at most the named optional argument.
func MaximumArgs(name string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 1 {
			return FlagErrorf("too many arguments: %s takes at most %s, got %s", cmd.CommandPath(), name, Quote(args))
		}
		return nil
	}
}
