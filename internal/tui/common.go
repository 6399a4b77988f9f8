// Package tui is the dashboard: a root model holding the state and the active view, and one
// component per view (Pulse, Consumers, Models, Live, Denied, a drill-down), all drawn from the
// snapshots internal/tui/feed makes outside the UI loop. Views render only what fits on screen.
package tui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/higress-ai/higress-ai/internal/tui/feed"
)

// Common is what every component shares.
type Common struct {
	Width, Height int
	Styles        *Styles
	Keys          *KeyMap
	Thresholds    Thresholds
	// Source says where the requests come from, for the header and the empty state.
	Source string
}

// Component is a view of the dashboard.
type Component interface {
	// Name is the view's name, as :name selects it.
	Name() string
	SetSize(width, height int)
	SetSnapshot(s *feed.Snapshot)
	// Update handles the view's own keys; the root handles the rest first.
	Update(msg tea.Msg) tea.Cmd
	View() string
	ShortHelp() []key.Binding
	// Grid is what the view shows now, for export.
	Grid() Grid
}

// Filterable views take / filters.
type Filterable interface {
	SetFilter(string)
	Filter() string
}

// list is what the table views share: the snapshot, the size, the filter, the cursor, and the
// function that derives the rows to show whenever the snapshot or the filter change.
type list struct {
	c             *Common
	s             *feed.Snapshot
	width, height int
	filter        string
	sc            scroller
	derive        func()
}

func (l *list) SetSize(w, h int) { l.width, l.height = w, h }

func (l *list) SetSnapshot(s *feed.Snapshot) {
	l.s = s
	l.derive()
}

func (l *list) SetFilter(f string) {
	l.filter = f
	l.derive()
}

func (l *list) Filter() string { return l.filter }

// Sortable views cycle their order with s; CycleSort returns the new order's name.
type Sortable interface{ CycleSort() string }

// Controls are what the UI asks of the feed.
type Controls interface {
	SetZoom(z int)
	SetFocus(f feed.Focus)
}

// SnapshotMsg brings a snapshot of the feed.
type SnapshotMsg struct{ Snapshot *feed.Snapshot }

// DrillMsg asks the root to open the drill-down of a row.
type DrillMsg struct{ Focus feed.Focus }

// ShowMsg asks the root to show a view, sorted by a column (empty: as it is).
type ShowMsg struct {
	View, Sort string
}

// ExportedMsg reports an export.
type ExportedMsg struct {
	Path string
	Rows int
	Err  error
}

// WaitSnapshotCmd waits for the next snapshot of the feed.
func WaitSnapshotCmd(ch <-chan *feed.Snapshot) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return nil
		}
		return SnapshotMsg{Snapshot: s}
	}
}

// clock prints the end of a window.
func clock(t time.Time) string { return t.UTC().Format("15:04:05") }

// metricsNote is what a view says that Prometheus metrics cannot fill.
func metricsNote(what string) string {
	return "Prometheus metrics carry no " + what + ": read the gateway logs (without --prometheus) for this view."
}
