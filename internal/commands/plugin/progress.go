package plugin

import (
	"fmt"
	"io"
	"strings"
)

// progressBar draws one line on a terminal, redrawn in place: a bar, the percentage and the
// bytes sent. It is only made when stderr is a terminal; off one, pushes are quiet.
type progressBar struct {
	w       io.Writer
	width   int
	percent int
	drawn   bool
}

func (p *progressBar) update(sent, total int64) {
	percent := 100
	if total > 0 {
		percent = int(sent * 100 / total)
	}
	if p.drawn && percent == p.percent {
		return
	}
	p.percent, p.drawn = percent, true
	cells := 30
	if p.width > 0 && p.width < 70 {
		cells = max(10, p.width-40)
	}
	full := cells * percent / 100
	bar := strings.Repeat("█", full) + strings.Repeat("░", cells-full)
	fmt.Fprintf(p.w, "\r\x1b[Kpushing %s %3d%% %s/%s", bar, percent, humanBytes(sent), humanBytes(total))
}

// clear removes the bar's line, so what follows starts on a clean line. A nil bar does nothing.
func (p *progressBar) clear() {
	if p == nil || !p.drawn {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
