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

// CheckError is an error of a check command (doctor, diff, block test --exit-code): they exit 1
// when they found something, so when they could not run they exit ExitCheckError.
type CheckError struct{ Err error }

func (e *CheckError) Error() string { return e.Err.Error() }
func (e *CheckError) Unwrap() error { return e.Err }

// Exit codes.
const (
	ExitOK         = 0
	ExitError      = 1 // an error, bad input included; for check commands: something was found
	ExitCancel     = 2 // declined at a prompt, or a confirmation needed off a terminal without --yes
	ExitCheckError = 3 // a check command could not run
)

// ExitCode maps an error from a command to the process's exit code.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrCancel), errors.Is(err, context.Canceled):
		return ExitCancel
	case errors.As(err, new(*CheckError)):
		return ExitCheckError
	default:
		return ExitError
	}
}
