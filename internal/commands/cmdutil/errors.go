package cmdutil

import (
	"context"
	"errors"
	"fmt"
)

// FlagError is a usage mistake: the message is followed by a hint to run --help.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ErrSilent ends a command with exit code 1 when it has already explained itself on stderr.
var ErrSilent = errors.New("silent error")

// ErrCancel is returned when the user declined a confirmation (exit code 2).
var ErrCancel = errors.New("cancelled")

// Exit codes.
const (
	ExitOK     = 0
	ExitError  = 1
	ExitCancel = 2
)

// ExitCode maps an error from a command to the process's exit code.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrCancel), errors.Is(err, context.Canceled):
		return ExitCancel
	default:
		return ExitError
	}
}
