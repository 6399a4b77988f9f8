package cmdutil

import "github.com/charmbracelet/lipgloss"

// Paint colours a word for the terminal when colour is on, and leaves it plain otherwise.
func (s *IOStreams) Paint(color lipgloss.Color, text string) string {
	if !s.Color {
		return text
	}
	return lipgloss.NewStyle().Foreground(color).Render(text)
}

// Colours of verdicts.
const (
	Red    = lipgloss.Color("1")
	Green  = lipgloss.Color("2")
	Yellow = lipgloss.Color("3")
)
