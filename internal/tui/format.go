package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/higress-ai/higress-ai/internal/tui/feed"
	"github.com/higress-ai/higress-ai/internal/usage"
)

// count prints n with thousands separators.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && c != '-' && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// label is how a consumer, model or route is shown: a missing one as (none), as the usage
// report shows it.
func label(name string) string {
	if name == usage.Missing {
		return "(none)"
	}
	return name
}

// short prints n compactly: 950, 12.3k, 4.5M.
func short(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e9:
		return fmt.Sprintf("%.1fG", v/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	case a >= 100 || v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// dollars prints an amount of dollars.
func dollars(v float64) string {
	switch {
	case v > 0 && v < 0.01:
		return fmt.Sprintf("$%.4f", v)
	case v >= 1e4:
		return "$" + short(v)
	}
	return fmt.Sprintf("$%.2f", v)
}

// costCell prints a row's cost: UNPRICED when nothing could be priced, never $0; a + when some
// requests were not priced.
func costCell(r *feed.Row) string {
	switch {
	case !r.Priced:
		return "UNPRICED"
	case r.Unpriced > 0:
		return dollars(r.CostUSD()) + "+"
	}
	return dollars(r.CostUSD())
}

// ms prints a latency; - when unknown.
func ms(v float64) string {
	switch {
	case v < 0:
		return "-"
	case v >= 1000:
		return fmt.Sprintf("%.1fs", v/1000)
	}
	return fmt.Sprintf("%.0fms", v)
}

// changeCell prints a row's change against the window before.
func changeCell(c float64) string {
	switch {
	case math.IsNaN(c):
		return "-"
	case math.IsInf(c, 1):
		return "new"
	case c >= 1:
		return fmt.Sprintf("x%.1f", c+1)
	}
	return fmt.Sprintf("%+.0f%%", c*100)
}

// ago prints how long before end t was.
func ago(t, end time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := end.Sub(t)
	switch {
	case d < time.Second:
		return "now"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func zoomName(d time.Duration) string {
	if d >= time.Hour {
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}

var sparkChars = []rune("▁▂▃▄▅▆▇█")

// sparkline draws values as a line of width cells (the newest on the right); an empty bucket is
// a space, so silence shows.
func sparkline(values []float64, width int) string {
	if width <= 0 {
		return ""
	}
	if len(values) > width {
		values = values[len(values)-width:]
	}
	hi := 0.0
	for _, v := range values {
		hi = max(hi, v)
	}
	var b strings.Builder
	for range width - len(values) {
		b.WriteByte(' ')
	}
	for _, v := range values {
		if v <= 0 || hi == 0 {
			b.WriteByte(' ')
			continue
		}
		i := int(math.Ceil(v/hi*float64(len(sparkChars)))) - 1
		b.WriteRune(sparkChars[min(max(i, 0), len(sparkChars)-1)])
	}
	return b.String()
}

// stretch repeats each value so that values fill about width cells.
func stretch(values []float64, width int) []float64 {
	if len(values) == 0 || width <= len(values) {
		return values
	}
	out := make([]float64, 0, width)
	for i := range width {
		out = append(out, values[i*len(values)/width])
	}
	return out
}

// fit cuts s to width cells (with an ellipsis) or pads it.
func fit(s string, width int, right bool) string {
	if width <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w > width {
		return ansi.Truncate(s, width, "…")
	}
	pad := strings.Repeat(" ", width-w)
	if right {
		return pad + s
	}
	return s + pad
}
