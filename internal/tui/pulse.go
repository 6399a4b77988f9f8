package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/higress-ai/higress-ai/internal/tui/feed"
	"github.com/higress-ai/higress-ai/internal/usage"
)

// pulse is the first view: a tile per figure, each with its sparkline over the window.
type pulse struct {
	c             *Common
	s             *feed.Snapshot
	width, height int
	sel           int
}

func newPulse(c *Common) *pulse { return &pulse{c: c} }

func (p *pulse) Name() string                 { return "pulse" }
func (p *pulse) SetSize(w, h int)             { p.width, p.height = w, h }
func (p *pulse) SetSnapshot(s *feed.Snapshot) { p.s = s }
func (p *pulse) ShortHelp() []key.Binding     { return []key.Binding{p.c.Keys.Enter} }
func (p *pulse) columns() int                 { return max(1, min(3, p.width/38)) }
func (p *pulse) tileWidth() int               { return p.width/p.columns() - 1 }
func (p *pulse) tiles() (labels []string, v []string) {
	return []string{"REQUESTS/S", "TOKENS/MIN", "$/HOUR", "ERRORS", "P95 LATENCY", "TIME TO FIRST TOKEN", "CACHE HITS"}, p.values()
}

// drill says where Enter on each tile goes: the view and its order.
var tileDrill = [feed.TileCount]ShowMsg{
	{"consumers", "requests"}, {"consumers", "tokens"}, {"consumers", "cost"}, {"denied", ""},
	{"models", "p95"}, {"models", "p95"}, {"models", "cached"},
}

func (p *pulse) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	cols := p.columns()
	switch k := p.c.Keys; {
	case key.Matches(km, k.Left):
		p.sel--
	case key.Matches(km, k.Right):
		p.sel++
	case key.Matches(km, k.Up):
		p.sel -= cols
	case key.Matches(km, k.Down):
		p.sel += cols
	case key.Matches(km, k.Enter):
		m := tileDrill[p.sel]
		return func() tea.Msg { return m }
	}
	p.sel = min(max(p.sel, 0), int(feed.TileCount)-1)
	return nil
}

func (p *pulse) values() []string {
	if p.s == nil {
		return make([]string, feed.TileCount)
	}
	q := &p.s.Pulse
	cost := dollars(q.CostPerHour)
	switch {
	case q.CostPartial && !q.CostKnown:
		cost = "UNPRICED"
	case q.CostPartial:
		cost += "+"
	}
	pct := func(v float64) string {
		if v < 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", v)
	}
	return []string{short(q.ReqPerSec), short(q.TokensPerMin), cost, pct(q.ErrorPct), ms(q.P95), ms(q.FirstToken), pct(q.CacheHitPct)}
}

func (p *pulse) figures() []float64 {
	q := &p.s.Pulse
	return []float64{q.ReqPerSec, q.TokensPerMin, q.CostPerHour, q.ErrorPct, q.P95, q.FirstToken, q.CacheHitPct}
}

func (p *pulse) View() string {
	st := p.c.Styles
	if p.s == nil {
		return st.Muted.Render("waiting for " + p.c.Source + "…")
	}
	var lines []string
	if msg := emptyState(p.s, p.c.Source); msg != "" {
		lines = append(lines, wrap(msg, p.width)...)
		lines = append(lines, "")
	}
	labels, values := p.tiles()
	subs := p.subtexts()
	figures := p.figures()
	cols, tw := p.columns(), p.tileWidth()
	var row []string
	for i := range labels {
		lvl := p.c.Thresholds.of(i).Level(figures[i])
		label := st.Label.Render(fit(labels[i], tw-2-lipgloss.Width(values[i]), false))
		value := st.Of(lvl).Bold(true).Render(values[i])
		spark := st.Of(lvl).Render(sparkline(stretch(p.s.Pulse.Sparks[i][:], tw-2), tw-2))
		body := label + value + "\n" + spark + "\n" + st.Muted.Render(fit(subs[i], tw-2, false))
		style := st.Tile
		if i == p.sel {
			style = st.ActiveTile
		}
		row = append(row, style.Width(tw).Render(body))
		if len(row) == cols || i == len(labels)-1 {
			lines = append(lines, strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, row...), "\n")...)
			row = nil
		}
	}
	lines = append(lines, "")
	if p.s.Metrics {
		lines = append(lines, wrap("from Prometheus: totals over the window, polled; metrics carry no errors, latencies, cached tokens or single requests, so those tiles and the sparklines stay empty.", p.width)...)
	}
	lines = append(lines, wrap(confidenceLine(p.s), p.width)...)
	if len(lines) > p.height {
		lines = lines[:p.height]
	}
	return strings.Join(lines, "\n")
}

func (p *pulse) subtexts() []string {
	q := &p.s.Pulse
	w := zoomName(p.s.Window)
	return []string{
		fmt.Sprintf("%s requests in %s", count(q.Requests), w),
		fmt.Sprintf("over %s", w),
		fmt.Sprintf("over %s", w),
		fmt.Sprintf("%s failed of %s", count(q.Errors), count(q.Requests)),
		"p95 of request duration",
		"p95, streamed answers",
		"cached of input tokens",
	}
}

func (p *pulse) Grid() Grid {
	labels, values := p.tiles()
	g := Grid{View: "pulse", Header: []string{"figure", "value", "window"}}
	for i := range labels {
		g.Rows = append(g.Rows, []string{strings.ToLower(labels[i]), values[i], zoomName(p.s.Window)})
	}
	return g
}

// emptyState says what is missing when nothing can be shown yet, and points at the fix.
func emptyState(s *feed.Snapshot, source string) string {
	switch {
	case s.Requests == 0 && s.Skipped > 0:
		return fmt.Sprintf("%s lines read from %s, none a JSON access-log line: is this the gateway's access log?", count(s.Skipped), source)
	case s.Requests == 0 && s.Err != nil:
		return "cannot read " + source + ": " + s.Err.Error()
	case s.Requests == 0:
		return "no requests yet from " + source + "."
	case s.WithAILog == 0:
		return fmt.Sprintf("%s requests, none with ai_log: add \"ai_log\":\"%%FILTER_STATE(wasm.ai_log:PLAIN)%%\" to the access-log format in ConfigMap higress-config (Higress >= 2.0.5) and enable ai-statistics, or the bundled ai-proxy, on the AI routes.", count(s.Requests))
	case s.WithConsumer == 0:
		return usage.ConsumerHint + " (with key-auth on the routes)."
	}
	return ""
}

// confidenceLine says how far the cost is an estimate.
func confidenceLine(s *feed.Snapshot) string {
	c := &s.Confidence
	total := c.PricedTokens + c.UnpricedTokens
	var parts []string
	if total > 0 {
		parts = append(parts, fmt.Sprintf("%.0f%% of tokens priced", 100*float64(c.PricedTokens)/float64(total)))
	} else {
		parts = append(parts, "no tokens yet")
	}
	if len(c.UnpricedModels) > 0 {
		names := make([]string, len(c.UnpricedModels))
		for i, n := range c.UnpricedModels {
			names[i] = label(n)
		}
		if len(names) > 3 {
			names = append(names[:3:3], fmt.Sprintf("%d more", len(c.UnpricedModels)-3))
		}
		parts = append(parts, "unpriced: "+strings.Join(names, ", ")+" (--prices)")
	}
	if c.UnknownTokens > 0 {
		parts = append(parts, fmt.Sprintf("%s requests without token counts", count(c.UnknownTokens)))
	}
	switch {
	case s.Metrics:
		parts = append(parts, "no cached tokens in metrics: input priced in full")
	case c.CachedTokens > 0:
		parts = append(parts, fmt.Sprintf("%s cached tokens at cached prices", short(float64(c.CachedTokens))))
	default:
		parts = append(parts, "no cached_tokens in ai_log")
	}
	parts = append(parts, "reasoning tokens counted as output")
	return "cost is an estimate from list prices of " + usage.PricesAsOf + ": " + strings.Join(parts, " · ")
}

// wrap breaks text into lines of at most width cells, at spaces.
func wrap(text string, width int) []string {
	if width <= 0 {
		return nil
	}
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(text) {
		if cur.Len() > 0 && lipgloss.Width(cur.String())+1+lipgloss.Width(w) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, fit(cur.String(), width, false))
	}
	return lines
}
