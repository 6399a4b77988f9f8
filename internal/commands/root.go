// Package commands assembles the higress-ai command tree and maps errors to exit codes.
package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/higress-ai/higress-ai/internal/commands/block"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/commands/consumer"
	"github.com/higress-ai/higress-ai/internal/commands/dashboard"
	doctorcmd "github.com/higress-ai/higress-ai/internal/commands/doctor"
	"github.com/higress-ai/higress-ai/internal/commands/limit"
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
	cmd, err := (*cobra.Command)(nil), unknownBeforeFlags(root, args)
	if err == nil {
		cmd, err = root.ExecuteContextC(f.Context)
	}
	if err != nil && !errors.Is(err, cmdutil.ErrSilent) && !errors.Is(err, cmdutil.ErrFound) {
		msg := err.Error()
		if h := hint(cmd, err); h != "" {
			msg += ": " + h
		}
		var fe *cmdutil.FlagError
		if errors.As(err, &fe) {
			msg += " (see --help)"
		}
		if errors.Is(err, cmdutil.ErrCancel) && !errors.As(err, new(*cmdutil.CancelError)) {
			msg = "cancelled"
		}
		fmt.Fprintln(f.IO.ErrOut, "error: "+termsafe.Escape(msg))
	}
	return cmdutil.ExitCode(err, cmd != nil && cmd.Annotations[cmdutil.CheckAnnotation] != "")
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "higress-ai",
		Short: "Run Higress as your organisation's AI gateway",
		Long: `higress-ai manages Higress as an AI gateway: consumers and their keys, blocked words,
route bindings and token limits, by editing WasmPlugin resources on a cluster or in a
folder of YAML (--dir, or $HIGRESS_AI_DIR), and reports who spends what on which model.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if f.Flags.NoColor {
				f.IO.Color = false
			}
			if d := cmd.Flags().Lookup("dry-run"); d != nil && d.Value.String() == "server" && f.InDir() {
				return cmdutil.FlagErrorf("--dry-run=server needs a cluster: a folder (--dir) has no API server to validate the change; use --dry-run=client")
			}
			return nil
		},
	}
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetIn(f.IO.In)
	f.Flags.Bind(root.PersistentFlags(), f.Getenv(cmdutil.EnvDir))
	_ = root.MarkPersistentFlagDirname("dir")
	_ = root.MarkPersistentFlagFilename("kubeconfig")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })

	root.AddCommand(consumer.NewCmdConsumer(f))
	root.AddCommand(block.NewCmdBlock(f))
	root.AddCommand(route.NewCmdRoute(f))
	root.AddCommand(limit.NewCmdLimit(f))
	root.AddCommand(plugin.NewCmdPlugin(f))
	root.AddCommand(provider.NewCmdProvider(f))
	root.AddCommand(usagecmd.NewCmdUsage(f, nil))
	root.AddCommand(dashboard.NewCmdDashboard(f, nil))
	root.AddCommand(doctorcmd.NewCmdDoctor(f, nil))
	root.AddCommand(version.NewCmdVersion(f, nil))
	root.InitDefaultCompletionCmd()
	root.SetHelpCommand(newCmdHelp(root))
	guardGroup(root)
	plainBoolFlags(root)
	return root
}

// newCmdHelp is help that refuses an unknown topic (cobra's prints a note and exits 0).
func newCmdHelp(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			cmd, _, err := root.Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []string
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, sub.Name())
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				name := strings.Join(args, " ")
				if len(rest) > 0 {
					name = rest[0]
				}
				return unknownCommand(cmd, name)
			}
			return cmd.Help()
		},
	}
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

// unknownBeforeFlags names an unknown command that flags follow ("plugin install --url X"):
// cobra, failing on the flag first, would only say "unknown flag: --url".
func unknownBeforeFlags(root *cobra.Command, args []string) error {
	if len(args) > 0 && strings.HasPrefix(args[0], "__complete") {
		return nil
	}
	cmd, rest, err := root.Find(args)
	if err != nil || !cmd.HasSubCommands() {
		return nil
	}
	name := firstPositional(cmd, rest)
	if name == "" || name == "help" {
		return nil
	}
	for _, sub := range cmd.Commands() {
		if sub.Name() == name || sub.HasAlias(name) {
			return nil
		}
	}
	return unknownCommand(cmd, name)
}

// firstPositional is the first argument that is neither a flag nor a flag's value.
func firstPositional(cmd *cobra.Command, args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return ""
		case strings.HasPrefix(a, "--") && !strings.Contains(a, "="):
			if fl := lookupFlag(cmd, a[2:], ""); fl != nil && fl.NoOptDefVal == "" {
				i++
			}
		case strings.HasPrefix(a, "-") && len(a) == 2:
			if fl := lookupFlag(cmd, "", a[1:]); fl != nil && fl.NoOptDefVal == "" {
				i++
			}
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return ""
}

func lookupFlag(cmd *cobra.Command, name, short string) *pflag.Flag {
	for c := cmd; c != nil; c = c.Parent() {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			if name != "" {
				if fl := fs.Lookup(name); fl != nil {
					return fl
				}
			} else if fl := fs.ShorthandLookup(short); fl != nil {
				return fl
			}
		}
	}
	return nil
}

// plainBool is a bool flag's value without pflag's IsBoolFlag, so help shows "--force", not
// "--force[=true|false]"; a bare --force still means true (its NoOptDefVal).
type plainBool struct{ pflag.Value }

// plainBoolFlags gives every bool flag of the tree the plain form in help.
func plainBoolFlags(cmd *cobra.Command) {
	cmd.InitDefaultHelpFlag()
	for _, fs := range []*pflag.FlagSet{cmd.Flags(), cmd.PersistentFlags()} {
		fs.VisitAll(func(fl *pflag.Flag) {
			if _, done := fl.Value.(plainBool); !done && fl.Value.Type() == "bool" {
				fl.Value = plainBool{fl.Value}
			}
		})
	}
	for _, c := range cmd.Commands() {
		plainBoolFlags(c)
	}
}
