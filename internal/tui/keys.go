package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key of the dashboard, like k9s'.
type KeyMap struct {
	Up, Down, Left, Right, PageUp, PageDown key.Binding
	Enter, Back                             key.Binding
	NextView, PrevView, Views               key.Binding
	Command, Filter, Sort, Pause            key.Binding
	ZoomIn, ZoomOut                         key.Binding
	Export, ExportJSON                      key.Binding
	Help, Quit                              key.Binding
}

// DefaultKeyMap returns the keys.
func DefaultKeyMap() *KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return &KeyMap{
		Up:         b("↑/k", "up", "up", "k"),
		Down:       b("↓/j", "down", "down", "j"),
		Left:       b("←/h", "left", "left", "h"),
		Right:      b("→/l", "right", "right", "l"),
		PageUp:     b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown:   b("pgdn", "page down", "pgdown", "ctrl+f"),
		Enter:      b("enter", "drill down", "enter"),
		Back:       b("esc", "back", "esc"),
		NextView:   b("tab", "next view", "tab"),
		PrevView:   b("shift+tab", "previous view", "shift+tab"),
		Views:      b("1-5", "view", "1", "2", "3", "4", "5"),
		Command:    b(":", "command", ":"),
		Filter:     b("/", "filter", "/"),
		Sort:       b("s", "sort", "s"),
		Pause:      b("p", "pause", "p"),
		ZoomIn:     b("+", "shorter window", "+", "="),
		ZoomOut:    b("-", "longer window", "-", "_"),
		Export:     b("e", "export csv", "e"),
		ExportJSON: b("E", "export json", "E"),
		Help:       b("?", "help", "?"),
		Quit:       b("q", "quit", "q", "ctrl+c"),
	}
}

// ShortHelp is the line always shown at the bottom (with the view's own keys first).
func (k *KeyMap) ShortHelp() []key.Binding {
	zoom := key.NewBinding(key.WithKeys("+", "-"), key.WithHelp("+/-", "window"))
	return []key.Binding{k.Help, k.Quit, k.Views, k.Filter, k.Sort, zoom, k.Pause, k.Export, k.Command}
}

// FullHelp is what ? shows.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right, k.PageUp, k.PageDown},
		{k.Enter, k.Back, k.NextView, k.PrevView, k.Views, k.Command},
		{k.Filter, k.Sort, k.Pause, k.ZoomIn, k.ZoomOut},
		{k.Export, k.ExportJSON, k.Help, k.Quit},
	}
}
