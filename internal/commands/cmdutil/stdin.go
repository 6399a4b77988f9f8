package cmdutil

import (
	"fmt"
	"io"
	"strings"
)

// ReadSecretLine reads a secret (a key, a password) from the first line of standard input, as
// flag (--key-stdin, --password-stdin) promises. On a terminal it first says the input is not
// hidden. what names the secret in the prompt and the error ("key", "password").
func ReadSecretLine(s *IOStreams, flag, what string) (string, error) {
	if s.StdinTTY {
		fmt.Fprintf(s.ErrOut, "%s (input is not hidden; prefer a pipe): ", strings.ToUpper(what[:1])+what[1:])
	}
	b, err := io.ReadAll(io.LimitReader(s.In, 64*1024))
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return "", FlagErrorf("%s: no %s on standard input", flag, what)
	}
	return line, nil
}
