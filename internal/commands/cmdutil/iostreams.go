package cmdutil

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

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

// Test returns streams on buffers: stdin, stdout, stderr. TTY flags are off; tests turn them on.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// SetTTY turns every terminal flag on or off (tests), with a fixed width and no colour.
func (s *IOStreams) SetTTY(on bool) {
	s.StdinTTY, s.StdoutTTY, s.StderrTTY = on, on, on
	s.Width = 0
	if on {
		s.Width = 100
	}
}

// Confirm asks a yes/no question on the terminal; the answer is no unless the user types y or
// yes. Off a terminal it answers no without asking: the caller needs a --yes flag.
func (s *IOStreams) Confirm(question string) (bool, error) {
	if !s.StdinTTY || !s.StderrTTY {
		return false, nil
	}
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
