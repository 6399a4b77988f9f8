package cmdutil

import (
	"fmt"
	"strings"

	"github.com/higress-ai/higress-ai/internal/secret"
)

// ReadSecretLine reads a secret (a key, a password) from standard input, as flag (--key-stdin,
// --password-stdin) promises: exactly what was given, less one trailing line ending, or a
// one-line refusal (secret.ReadLine). On a terminal it first says the input is not hidden. what
// names the secret in the prompt and the error ("key", "password").
func ReadSecretLine(s *IOStreams, flag, what string) (string, error) {
	if s.StdinTTY {
		fmt.Fprintf(s.ErrOut, "%s (input is not hidden; prefer a pipe): ", strings.ToUpper(what[:1])+what[1:])
	}
	v, err := secret.ReadLine(s.In, what)
	if secret.IsEmpty(err) {
		return "", FlagErrorf("%s: %w", flag, err)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	return v, nil
}
