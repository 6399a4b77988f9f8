package cmdutil

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

// IOStreams are the command's standard streams and what is known about the terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	StdinTTY  bool
	StdoutTTY bool
	StderrTTY bool
	// Color is on for a terminal unless NO_COLOR or --no-color says otherwise.
	Color bool
	// Width is the terminal's width in columns, 0 when not a terminal.
	Width int
}

// System returns the process's streams.
func System() *IOStreams {
	io := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		StdinTTY:  isatty.IsTerminal(os.Stdin.Fd()),
		StdoutTTY: isatty.IsTerminal(os.Stdout.Fd()),
		StderrTTY: isatty.IsTerminal(os.Stderr.Fd()),
	}
	io.Color = io.StdoutTTY && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	if io.StdoutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			io.Width = w
		}
	}
	return io
}

// SetTTY turns every terminal flag on or off (tests), with a fixed width (a wide terminal, 200
// columns: tests of fitting set Width themselves) and no colour.
func (s *IOStreams) SetTTY(on bool) {
	s.StdinTTY, s.StdoutTTY, s.StderrTTY = on, on, on
	s.Width = 0
	if on {
		s.Width = 200
	}
}
