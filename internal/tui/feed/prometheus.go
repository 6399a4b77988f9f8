package feed

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/higress-ai/higress-ai/internal/usage"
)

// DefaultPromEvery is how often Prometheus is asked by default: about its usual scrape interval.
const DefaultPromEvery = 15 * time.Second

// promState is what the last poll of Prometheus gave: the window's and the window before's
// groups by consumer and model.
type promState struct {
	cur, prev []*usage.Group
	end       time.Time
	zoom      int
	err       error
}

// runPrometheus polls Prometheus instead of reading logs: every PromEvery (and when the zoom
// changes) it asks for the window and the one before, grouped by consumer and model.
func (f *Feed) runPrometheus(ctx context.Context) error {
	every := f.opts.PromEvery
	if every <= 0 {
		every = DefaultPromEvery
	}
	poll := func() {
		z := int(f.zoom.Load())
		z = min(max(z, 0), len(usage.Zooms())-1)
		w := usage.Zooms()[z]
		end := f.opts.Now()
		by := []usage.Dim{usage.ByConsumer, usage.ByModel}
		st := &promState{end: end, zoom: z}
		st.cur, st.err = f.opts.Prometheus.Query(ctx, by, end.Add(-w), end, f.opts.Prices)
		if st.err == nil {
			st.prev, st.err = f.opts.Prometheus.Query(ctx, by, end.Add(-2*w), end.Add(-w), f.opts.Prices)
		}
		f.prom = st
	}
	poll()
	f.publish(false, nil)
	tick := time.NewTicker(every)
	defer tick.Stop()
	redraw := time.NewTicker(f.opts.Every)
	defer redraw.Stop()
	for {
		select {
		case <-tick.C:
			poll()
		case <-f.poke:
			if int(f.zoom.Load()) != f.prom.zoom {
				poll()
			}
		case <-redraw.C:
		case <-ctx.Done():
			return nil
		}
		f.publish(false, nil)
	}
}

// promSnapshot is the snapshot of the last poll: every figure over the window, nothing metrics
// do not carry (errors, latencies, cached tokens, single requests, refusals).
func (f *Feed) promSnapshot() *Snapshot {
	st := f.prom
	w := usage.Zooms()[st.zoom]
	s := &Snapshot{End: st.end, Zoom: st.zoom, Window: w, Metrics: true, Err: st.err, Warnings: f.warns.get()}
	s.Consumers = promRows(st, 0, w)
	s.Models = promRows(st, 1, w)
	p := Pulse{ErrorPct: -1, P95: -1, FirstToken: -1, CacheHitPct: -1}
	for _, g := range st.cur {
		p.Requests += g.Requests
		p.TokensPerMin += float64(g.InputTokens+g.OutputTokens) / w.Minutes()
		p.CostPerHour += g.CostUSD() / w.Hours()
		p.CostKnown = p.CostKnown || g.PricedRequests > 0
		p.CostPartial = p.CostPartial || g.UnpricedRequests > 0
	}
	p.ReqPerSec = float64(p.Requests) / w.Seconds()
	s.Pulse = p
	s.Requests, s.WithAILog, s.WithTokens = p.Requests, p.Requests, p.Requests
	for _, r := range s.Consumers {
		if r.Name != usage.Missing {
			s.WithConsumer += r.Requests
		}
	}
	s.Confidence = f.confidence(s.Models)
	s.Confidence.UnknownTokens = 0
	f.focusMu.Lock()
	fc := f.focus
	f.focusMu.Unlock()
	if fc.On {
		d := &Detail{Focus: fc}
		key, other := 0, 1
		own := s.Consumers
		if fc.Dim == Models {
			key, other, own = 1, 0, s.Models
		}
		if i := slices.IndexFunc(own, func(r Row) bool { return r.Name == fc.Name }); i >= 0 {
			d.Row = &own[i]
		}
		for _, g := range st.cur {
			if g.Keys[key] == fc.Name {
				d.Rows = append(d.Rows, rowOf(g, g.Keys[other]))
			}
		}
		s.Detail = d
	}
	return s
}

// promRows folds the groups by consumer (key 0) or model (key 1) into rows over the window, with
// the change against the window before.
func promRows(st *promState, key int, w time.Duration) []Row {
	fold := func(groups []*usage.Group) map[string]*usage.Group {
		out := map[string]*usage.Group{}
		for _, g := range groups {
			o := out[g.Keys[key]]
			if o == nil {
				o = &usage.Group{Keys: []string{g.Keys[key]}}
				out[g.Keys[key]] = o
			}
			o.Requests += g.Requests
			o.InputTokens += g.InputTokens
			o.OutputTokens += g.OutputTokens
			o.CostPico += g.CostPico
			o.PricedRequests += g.PricedRequests
			o.UnpricedRequests += g.UnpricedRequests
		}
		return out
	}
	cur, prev := fold(st.cur), fold(st.prev)
	rows := make([]Row, 0, len(cur))
	for name, g := range cur {
		r := rowOf(g, name)
		r.WindowRequests = g.Requests
		r.CostPerHour = g.CostUSD() / w.Hours()
		var p usage.Group
		if pg := prev[name]; pg != nil {
			p = *pg
		}
		if g.CostPico > 0 || p.CostPico > 0 {
			r.Change = change(float64(g.CostPico), float64(p.CostPico))
		} else {
			r.Change = change(float64(g.Requests), float64(p.Requests))
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b Row) int { return cmp.Compare(a.Name, b.Name) })
	return rows
}
