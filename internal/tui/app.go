package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/higress-ai/higress-ai/internal/tui/feed"
	"github.com/higress-ai/higress-ai/internal/usage"
)

// Options configure the dashboard's model.
type Options struct {
	Common    *Common
	Controls  Controls
	Snapshots <-chan *feed.Snapshot
	// Now is the clock export names its files with; ExportDir where they go.
	Now       func() time.Time
	ExportDir string
}

type inputMode int

const (
	noInput inputMode = iota
	filterInput
	commandInput
)

// Model is the root of the dashboard: the state, the active view and the drill-downs on top of
// it. It handles the keys every view shares and passes the rest on.
type Model struct {
	o        Options
	c        *Common
	views    []Component
	active   int
	stack    []Component
	snap     *feed.Snapshot
	pending  *feed.Snapshot
	paused   bool
	zoom     int
	showHelp bool
	help     help.Model
	mode     inputMode
	input    textinput.Model
	before   string // the filter when / was typed, for esc
	status   string
}

// New returns the dashboard's model.
func New(o Options) *Model {
	c := o.Common
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ExportDir == "" {
		o.ExportDir = "."
	}
	in := textinput.New()
	in.Prompt = ""
	// A steady cursor: a blinking one would redraw the screen twice a second.
	in.Cursor.SetMode(cursor.CursorStatic)
	h := help.New()
	h.Styles.ShortKey, h.Styles.FullKey = c.Styles.Label, c.Styles.Label
	h.Styles.ShortDesc, h.Styles.FullDesc = c.Styles.Muted, c.Styles.Muted
	h.Styles.ShortSeparator, h.Styles.FullSeparator = c.Styles.Muted, c.Styles.Muted
	return &Model{o: o, c: c, help: h, input: in, views: []Component{
		newPulse(c), newRowsView(c, feed.Consumers), newRowsView(c, feed.Models), newLive(c), newDenied(c),
	}}
}

// Init waits for the first snapshot.
func (m *Model) Init() tea.Cmd { return WaitSnapshotCmd(m.o.Snapshots) }

// current is the component on screen.
func (m *Model) current() Component {
	if n := len(m.stack); n > 0 {
		return m.stack[n-1]
	}
	return m.views[m.active]
}

func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.resize()
		return m, nil
	case SnapshotMsg:
		if m.paused {
			m.pending = msg.Snapshot
		} else {
			m.apply(msg.Snapshot)
		}
		return m, WaitSnapshotCmd(m.o.Snapshots)
	case ExportedMsg:
		if msg.Err != nil {
			m.status = "error: " + msg.Err.Error()
		} else {
			m.status = fmt.Sprintf("exported %d rows to %s", msg.Rows, msg.Path)
			if w := ansi.StringWidth(m.status); w > m.c.Width {
				// The path matters most: keep its end.
				m.status = "…" + ansi.TruncateLeft(m.status, w-m.c.Width+1, "")
			}
		}
		return m, nil
	case DrillMsg:
		m.drill(msg.Focus)
		return m, nil
	case ShowMsg:
		m.show(msg.View, msg.Sort)
		return m, nil
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	return m, m.current().Update(msg)
}

func (m *Model) resize() {
	h := max(m.c.Height-4, 1)
	for _, v := range m.views {
		v.SetSize(m.c.Width, h)
	}
	for _, v := range m.stack {
		v.SetSize(m.c.Width, h)
	}
	m.help.Width = m.c.Width
	m.input.Width = max(m.c.Width-3, 1)
}

// apply shows a snapshot: only the component on screen takes it now (a view derives its rows
// when it takes one); another takes the latest when it comes on screen.
func (m *Model) apply(s *feed.Snapshot) {
	m.snap = s
	m.current().SetSnapshot(s)
}

// refresh gives the component now on screen the latest snapshot.
func (m *Model) refresh() {
	if m.snap != nil {
		m.current().SetSnapshot(m.snap)
	}
}

func (m *Model) key(km tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	if km.Type == tea.KeyCtrlC {
		return tea.Quit
	}
	if m.mode != noInput {
		return m.inputKey(km)
	}
	if m.showHelp && !key.Matches(km, k.Quit) {
		m.showHelp = false
		return nil
	}
	switch {
	case key.Matches(km, k.Quit):
		return tea.Quit
	case key.Matches(km, k.Help):
		m.showHelp = true
	case key.Matches(km, k.Back):
		m.back()
	case key.Matches(km, k.NextView):
		m.switchTo((m.active + 1) % len(m.views))
	case key.Matches(km, k.PrevView):
		m.switchTo((m.active + len(m.views) - 1) % len(m.views))
	case key.Matches(km, k.Views):
		m.switchTo(int(km.Runes[0] - '1'))
	case key.Matches(km, k.Pause):
		m.paused = !m.paused
		if !m.paused && m.pending != nil {
			m.apply(m.pending)
			m.pending = nil
		}
	case key.Matches(km, k.ZoomIn), key.Matches(km, k.ZoomOut):
		z := m.zoom + 1
		if key.Matches(km, k.ZoomIn) {
			z = m.zoom - 1
		}
		if z >= 0 && z < len(usage.Zooms()) {
			m.zoom = z
			m.o.Controls.SetZoom(z)
		}
	case key.Matches(km, k.Sort):
		if s, ok := m.current().(Sortable); ok {
			m.status = "sorted by " + s.CycleSort()
		}
	case key.Matches(km, k.Filter):
		if _, ok := m.current().(Filterable); ok {
			m.mode = filterInput
			m.before = m.filterOf()
			m.input.SetValue(m.before)
			m.input.CursorEnd()
			return m.input.Focus()
		}
	case key.Matches(km, k.Command):
		m.mode = commandInput
		m.input.SetValue("")
		return m.input.Focus()
	case key.Matches(km, k.Export), key.Matches(km, k.ExportJSON):
		format := "csv"
		if key.Matches(km, k.ExportJSON) {
			format = "json"
		}
		return ExportCmd(m.current().Grid(), m.o.ExportDir, format, m.o.Now())
	default:
		return m.current().Update(km)
	}
	return nil
}

// filterOf is the filter of the view on screen, for / to start from.
func (m *Model) filterOf() string {
	if f, ok := m.current().(Filterable); ok {
		return f.Filter()
	}
	return ""
}

func (m *Model) inputKey(km tea.KeyMsg) tea.Cmd {
	switch km.Type {
	case tea.KeyEsc:
		if m.mode == filterInput {
			m.current().(Filterable).SetFilter(m.before)
		}
		m.mode = noInput
		m.input.Blur()
		return nil
	case tea.KeyEnter:
		mode, value := m.mode, strings.TrimSpace(m.input.Value())
		m.mode = noInput
		m.input.Blur()
		if mode == commandInput {
			return m.command(value)
		}
		return nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(km)
	if m.mode == filterInput {
		m.current().(Filterable).SetFilter(m.input.Value())
	}
	return cmd
}

// command runs a : command.
func (m *Model) command(c string) tea.Cmd {
	switch c {
	case "q", "q!", "quit":
		return tea.Quit
	case "":
		return nil
	}
	if !m.show(c, "") {
		m.status = fmt.Sprintf("unknown command %q: use :pulse, :consumers, :models, :live, :denied or :quit", c)
	}
	return nil
}

// show switches to the view of that name (or its plural), sorted by sortBy when given.
func (m *Model) show(name, sortBy string) bool {
	name = strings.ToLower(strings.TrimPrefix(name, ":"))
	i := slices.IndexFunc(m.views, func(v Component) bool {
		return v.Name() == name || strings.TrimSuffix(v.Name(), "s") == name
	})
	if i < 0 {
		return false
	}
	m.switchTo(i)
	if rv, ok := m.views[i].(*rowsView); ok && sortBy != "" {
		rv.SetSort(sortBy)
	}
	return true
}

func (m *Model) switchTo(i int) {
	if i < 0 || i >= len(m.views) {
		return
	}
	m.closeDrill()
	m.active = i
	m.status = ""
	m.refresh()
}

func (m *Model) drill(fc feed.Focus) {
	d := newDetail(m.c, fc)
	d.SetSize(m.c.Width, max(m.c.Height-4, 1))
	if m.snap != nil {
		d.SetSnapshot(m.snap)
	}
	m.stack = append(m.stack, d)
	m.o.Controls.SetFocus(fc)
}

func (m *Model) closeDrill() {
	if len(m.stack) > 0 {
		m.stack = nil
		m.o.Controls.SetFocus(feed.Focus{})
		m.refresh()
	}
}

// back closes a drill-down, or clears the view's filter.
func (m *Model) back() {
	if len(m.stack) > 0 {
		m.closeDrill()
		return
	}
	if f, ok := m.current().(Filterable); ok && m.filterOf() != "" {
		f.SetFilter("")
		return
	}
	m.status = ""
}

// Paused reports whether the screen is frozen.
func (m *Model) Paused() bool { return m.paused }

func (m *Model) View() string {
	if m.c.Width == 0 {
		return ""
	}
	bodyH := max(m.c.Height-4, 1)
	var body string
	if m.showHelp {
		body = m.help.FullHelpView(m.c.Keys.FullHelp())
	} else {
		body = m.current().View()
	}
	lines := strings.Split(body, "\n")
	if len(lines) > bodyH {
		lines = lines[:bodyH]
	}
	for len(lines) < bodyH {
		lines = append(lines, "")
	}
	out := make([]string, 0, m.c.Height)
	out = append(out, m.header(), m.tabs())
	out = append(out, lines...)
	out = append(out, m.statusLine(), m.helpLine())
	return strings.Join(out, "\n")
}

func (m *Model) header() string {
	st := m.c.Styles
	w := usage.Zooms()[m.zoom]
	if m.snap != nil {
		w = m.snap.Window
	}
	parts := []string{st.Title.Render("higress-ai dashboard"), m.c.Source, "window " + zoomName(w)}
	if s := m.snap; s != nil {
		if s.Replay {
			parts[2] += " to " + clock(s.End) + " (log time)"
		}
		parts = append(parts, count(s.Requests)+" requests")
		if s.Done {
			parts = append(parts, "sources ended")
		}
	}
	line := strings.Join(parts, " · ")
	if m.paused {
		line = st.Paused.Render("PAUSED") + " " + line
	}
	return fit(line, m.c.Width, false)
}

func (m *Model) tabs() string {
	st := m.c.Styles
	names := []string{"Pulse", "Consumers", "Models", "Live", "Denied"}
	var b strings.Builder
	for i, n := range names {
		t := fmt.Sprintf(" %d %s ", i+1, n)
		if i == m.active {
			b.WriteString(st.ActiveTab.Render(t))
		} else {
			b.WriteString(st.Tab.Render(t))
		}
	}
	if len(m.stack) > 0 {
		b.WriteString(st.Muted.Render(" › " + label(m.stack[len(m.stack)-1].(*detail).focus.Name)))
	}
	return fit(b.String(), m.c.Width, false)
}

func (m *Model) statusLine() string {
	st := m.c.Styles
	switch {
	case m.mode == filterInput:
		return "/" + m.input.View()
	case m.mode == commandInput:
		return ":" + m.input.View()
	case m.status != "":
		if strings.HasPrefix(m.status, "error:") {
			return st.Error.Render(fit(m.status, m.c.Width, false))
		}
		return st.Status.Render(fit(m.status, m.c.Width, false))
	}
	s := m.snap
	if s == nil {
		return ""
	}
	if s.Err != nil {
		return st.Error.Render(fit("error: "+s.Err.Error(), m.c.Width, false))
	}
	if n := len(s.Warnings); n > 0 {
		return st.Warn.Render(fit("warning: "+s.Warnings[n-1], m.c.Width, false))
	}
	if s.Skipped > 0 {
		return st.Status.Render(fit(fmt.Sprintf("skipped %s lines that are not JSON", count(s.Skipped)), m.c.Width, false))
	}
	return ""
}

func (m *Model) helpLine() string {
	bindings := append(m.current().ShortHelp(), m.c.Keys.ShortHelp()...)
	if len(m.stack) == 0 {
		bindings = slices.DeleteFunc(bindings, func(b key.Binding) bool { return b.Help().Key == "esc" })
	}
	return fit(m.help.ShortHelpView(bindings), m.c.Width, false)
}
