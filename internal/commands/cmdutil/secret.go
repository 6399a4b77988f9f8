package cmdutil

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// SecretInput is the one family of flags a secret comes from: --NAME-stdin, --NAME-file F or
// --NAME-env VAR, never a flag value.
type SecretInput struct {
	name  string
	stdin bool
	file  string
	env   string
}

// maxSecret bounds what is read for one secret.
const maxSecret = 64 * 1024

// AddSecretFlags binds --NAME-stdin, --NAME-file and --NAME-env; what says what the secret is.
func AddSecretFlags(cmd *cobra.Command, name, what string) *SecretInput {
	s := &SecretInput{name: name}
	cmd.Flags().BoolVar(&s.stdin, name+"-stdin", false, "read "+what+" from standard input")
	cmd.Flags().StringVar(&s.file, name+"-file", "", "read "+what+" from this file (its first line)")
	cmd.Flags().StringVar(&s.env, name+"-env", "", "read "+what+" from this environment variable")
	Exclusive(cmd, name+"-stdin", name+"-file", name+"-env")
	_ = cmd.MarkFlagFilename(name + "-file")
	_ = cmd.RegisterFlagCompletionFunc(name+"-env", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, kv := range os.Environ() {
			k, _, _ := strings.Cut(kv, "=")
			out = append(out, k)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
	return s
}

// Given reports whether one of the flags was given.
func (s *SecretInput) Given() bool { return s.stdin || s.file != "" || s.env != "" }

// Flag names the flag that was given, for messages.
func (s *SecretInput) Flag() string {
	switch {
	case s.stdin:
		return "--" + s.name + "-stdin"
	case s.file != "":
		return "--" + s.name + "-file"
	case s.env != "":
		return "--" + s.name + "-env"
	}
	return ""
}

// Read returns the secret: the first line of standard input or the file, without its line
// ending, or the variable's value. An empty secret is an error; the secret never is in one.
func (s *SecretInput) Read(streams *IOStreams, getenv func(string) string) (string, error) {
	var text string
	switch {
	case s.stdin:
		return ReadSecretLine(streams, s.Flag(), s.name)
	case s.file != "":
		f, err := os.Open(s.file)
		if err != nil {
			return "", fmt.Errorf("%s: %w", s.Flag(), err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxSecret))
		if err != nil {
			return "", fmt.Errorf("%s: %w", s.Flag(), err)
		}
		text = string(b)
	case s.env != "":
		text = getenv(s.env)
		if text == "" {
			return "", FlagErrorf("%s: $%s is unset or empty", s.Flag(), s.env)
		}
		return text, nil
	}
	line, _, _ := strings.Cut(text, "\n")
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return "", FlagErrorf("%s: no %s in %s", s.Flag(), s.name, s.file)
	}
	return line, nil
}
