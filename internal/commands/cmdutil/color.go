package cmdutil

import (
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Paint colours a word for the terminal when colour is on, and leaves it plain otherwise.
func (s *IOStreams) Paint(color lipgloss.Color, text string) string {
	if !s.Color {
		return text
	}
	return s.style().Foreground(color).Render(text)
}

// Bold makes text bold when colour is on.
func (s *IOStreams) Bold(text string) string {
	if !s.Color {
		return text
	}
	return s.style().Bold(true).Render(text)
}

// style renders with the basic ANSI colours: Color already decided that the terminal gets
// colour, so lipgloss need not guess again from the environment.
func (s *IOStreams) style() lipgloss.Style {
	r := lipgloss.NewRenderer(s.Out)
	r.SetColorProfile(termenv.ANSI)
	return r.NewStyle()
}

// Colours of verdicts.
const (
	Red    = lipgloss.Color("1")
	Green  = lipgloss.Color("2")
	Yellow = lipgloss.Color("3")
)
