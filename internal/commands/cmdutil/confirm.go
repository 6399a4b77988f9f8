package cmdutil

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/higress-ai/higress-ai/internal/termsafe"
)

// Confirm is the one rule for changes that revoke access or leave a route with nobody allowed:
// with yes (--yes) it goes ahead; on a terminal it asks question and a "no" is ErrCancel (exit 2);
// off a terminal it refuses with a CancelError (exit 2) that says what needs --yes. A dry run
// never asks: it writes nothing.
func Confirm(s *IOStreams, yes, dryRun bool, question, what string) error {
	if yes || dryRun {
		return nil
	}
	if !s.StdinTTY || !s.StderrTTY {
		return &CancelError{Msg: what + ": pass --yes to do it"}
	}
	if ok, err := Ask(s, question); err != nil || !ok {
		return ErrCancel
	}
	return nil
}

// Ask asks a yes/no question on the terminal (the caller checked there is one); the answer is
// no unless the user types y or yes.
func Ask(s *IOStreams, question string) (bool, error) {
	fmt.Fprintf(s.ErrOut, "%s [y/N] ", question)
	line, err := bufio.NewReader(s.In).ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// Would is the wording of a change under --dry-run: "would remove" instead of "removed".
func Would(dryRun bool, done, would string) string {
	if dryRun {
		return would
	}
	return done
}

// Note prints "note: TEXT" on stderr, terminal-safe (it may quote names from files or the cluster).
func Note(s *IOStreams, text string) { fmt.Fprintln(s.ErrOut, "note: "+termsafe.Escape(text)) }

// Warn prints "warning: TEXT" on stderr, terminal-safe.
func Warn(s *IOStreams, text string) { fmt.Fprintln(s.ErrOut, "warning: "+termsafe.Escape(text)) }
