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

// ErrFound ends a check command that found what it looks for (exit code 1); it has said so.
var ErrFound = errors.New("found")

// CancelError is a change that needs a confirmation nobody could give (exit code 2): off a
// terminal, without --yes.
type CancelError struct{ Msg string }

func (e *CancelError) Error() string        { return e.Msg }
func (e *CancelError) Is(target error) bool { return target == ErrCancel }

// CheckError is an error of a check command (doctor, diff, block test --exit-code): they exit 1
// when they found something, so when they could not run they exit ExitCheckError.
type CheckError struct{ Err error }

func (e *CheckError) Error() string { return e.Err.Error() }
func (e *CheckError) Unwrap() error { return e.Err }

// The exit codes, the one table of them (the README has the same):
//
//	0  ok
//	1  error, bad input included
//	2  cancelled: declined at a prompt, or a confirmation needed off a terminal without --yes
//
// Check commands (doctor, block test --exit-code, diff) follow kubectl diff instead: 0 nothing
// found, 1 found, greater than 1 (3, so it is never taken for a cancel) they could not run.
const (
	ExitOK     = 0
	ExitError  = 1
	ExitCancel = 2

	ExitNothingFound = 0
	ExitFound        = 1
	ExitCheckError   = 3
)

// CheckAnnotation marks a check command, whose exit codes follow kubectl diff.
const CheckAnnotation = "higress-ai/check"

// ExitCode maps an error from a command to the process's exit code; check says the command was
// a check command.
func ExitCode(err error, check bool) int {
	switch {
	case err == nil:
		return ExitOK
	case check && errors.Is(err, ErrFound):
		return ExitFound
	case check, errors.As(err, new(*CheckError)):
		return ExitCheckError
	case errors.Is(err, ErrCancel), errors.Is(err, context.Canceled):
		return ExitCancel
	default:
		return ExitError
	}
}
