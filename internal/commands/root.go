// Package commands assembles the higress-ai command tree and maps errors to exit codes.
package commands

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/block"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/commands/consumer"
	"github.com/higress-ai/higress-ai/internal/commands/dashboard"
	doctorcmd "github.com/higress-ai/higress-ai/internal/commands/doctor"
	"github.com/higress-ai/higress-ai/internal/commands/plugin"
	"github.com/higress-ai/higress-ai/internal/commands/provider"
	"github.com/higress-ai/higress-ai/internal/commands/route"
	usagecmd "github.com/higress-ai/higress-ai/internal/commands/usage"
	"github.com/higress-ai/higress-ai/internal/commands/version"
	"github.com/higress-ai/higress-ai/internal/interrupt"
	"github.com/higress-ai/higress-ai/internal/termsafe"
)

// Main runs the command line and returns the process's exit code.
func Main() int {
	ctx, stop := interrupt.Context(context.Background())
	defer stop()
	f := cmdutil.New(ctx, cmdutil.System())
	return RunAs(f, displayName(os.Args[0]), os.Args[1:])
}

// Run executes args against a factory and returns the exit code; errors are printed to stderr.
func Run(f *cmdutil.Factory, args []string) int { return RunAs(f, "higress-ai", args) }

// RunAs is Run for a binary that calls itself name in help and examples ("kubectl higress-ai"
// when krew installed it as a kubectl plugin).
func RunAs(f *cmdutil.Factory, name string, args []string) int {
	root := NewCmdRoot(f)
	renameTree(root, name)
	root.SetArgs(args)
	err := root.ExecuteContext(f.Context)
	if err != nil && !errors.Is(err, cmdutil.ErrSilent) {
		msg := err.Error()
		var fe *cmdutil.FlagError
		if errors.As(err, &fe) {
			msg += " (see --help)"
		}
		if errors.Is(err, cmdutil.ErrCancel) {
			msg = "cancelled"
		}
		fmt.Fprintln(f.IO.ErrOut, "error: "+termsafe.Escape(msg))
	}
	return cmdutil.ExitCode(err)
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "higress-ai",
		Short: "Run Higress as your organisation's AI gateway",
		Long: `higress-ai manages Higress as an AI gateway: consumers and their keys, blocked words,
route bindings and token limits, by editing WasmPlugin resources on a cluster or in a
folder of YAML (--dir), and reports who spends what on which model.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if f.Flags.NoColor {
				f.IO.Color = false
			}
			_, err := f.Flags.DryRunMode()
			return err
		},
	}
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetIn(f.IO.In)
	f.Flags.Bind(root.PersistentFlags())
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })

	root.AddCommand(consumer.NewCmdConsumer(f))
	root.AddCommand(block.NewCmdBlock(f))
	root.AddCommand(route.NewCmdRoute(f))
	root.AddCommand(plugin.NewCmdPlugin(f))
	root.AddCommand(provider.NewCmdProvider(f))
	root.AddCommand(usagecmd.NewCmdUsage(f, nil))
	root.AddCommand(dashboard.NewCmdDashboard(f, nil))
	root.AddCommand(doctorcmd.NewCmdDoctor(f, nil))
	root.AddCommand(version.NewCmdVersion(f, nil))
	guardGroup(root)
	return root
}

// guardGroup makes a command that only holds subcommands refuse an unknown one with a one-line
// error (cobra would print the help and exit 0); with no argument it still prints its help.
func guardGroup(cmd *cobra.Command) {
	if !cmd.HasSubCommands() || cmd.Runnable() {
		return
	}
	cmd.Args = cobra.ArbitraryArgs
	cmd.SuggestionsMinimumDistance = 2
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		return unknownCommand(cmd, args[0])
	}
	for _, c := range cmd.Commands() {
		guardGroup(c)
	}
}

// unknownCommand is cobra's error for an unknown subcommand, with its suggestions on the same line.
func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return &cmdutil.FlagError{Err: errors.New(msg)}
}
