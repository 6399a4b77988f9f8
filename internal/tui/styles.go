package tui

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Styles are every style the dashboard draws with; views never make their own.
type Styles struct {
	Title, Tab, ActiveTab, Header, Selected, Muted, Label, Value lipgloss.Style
	OK, Warn, Crit, Status, Error, Paused                        lipgloss.Style
	Tile, ActiveTile                                             lipgloss.Style
}

// NewStyles returns the styles for out: coloured when color is true (a terminal, no NO_COLOR), in
// as many colours as the terminal says it has; plain otherwise (selection is then shown in
// reverse video, which needs no colour).
func NewStyles(out io.Writer, color bool) *Styles {
	r := lipgloss.NewRenderer(out)
	if !color {
		r.SetColorProfile(termenv.Ascii)
	}
	s := r.NewStyle
	return &Styles{
		Title:      s().Bold(true).Foreground(lipgloss.Color("6")),
		Tab:        s().Foreground(lipgloss.Color("8")),
		ActiveTab:  s().Bold(true).Reverse(true),
		Header:     s().Bold(true).Foreground(lipgloss.Color("6")),
		Selected:   s().Reverse(true),
		Muted:      s().Foreground(lipgloss.Color("8")),
		Label:      s().Foreground(lipgloss.Color("6")),
		Value:      s().Bold(true),
		OK:         s().Foreground(lipgloss.Color("2")),
		Warn:       s().Foreground(lipgloss.Color("3")),
		Crit:       s().Foreground(lipgloss.Color("1")).Bold(true),
		Status:     s().Foreground(lipgloss.Color("8")),
		Error:      s().Foreground(lipgloss.Color("1")).Bold(true),
		Paused:     s().Bold(true).Reverse(true),
		Tile:       s().Border(lipgloss.NormalBorder(), false, false, false, true).BorderForeground(lipgloss.Color("8")).PaddingLeft(1),
		ActiveTile: s().Border(lipgloss.ThickBorder(), false, false, false, true).BorderForeground(lipgloss.Color("6")).PaddingLeft(1),
	}
}

// Level is a figure's state against its thresholds.
type Level int

const (
	LevelOK Level = iota
	LevelWarn
	LevelCrit
)

// Of returns the style of a level.
func (s *Styles) Of(l Level) lipgloss.Style {
	switch l {
	case LevelWarn:
		return s.Warn
	case LevelCrit:
		return s.Crit
	}
	return s.OK
}
