package feed

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/higress-ai/higress-ai/internal/usage"
)

// Snapshot is what the UI shows: made by the feed, never changed after.
type Snapshot struct {
	// End is the end of the window: the wall clock, or, when the newest request is older than
	// the window (a log replayed), that request's time (Replay).
	End    time.Time
	Replay bool
	// Metrics: the figures come from Prometheus, over the window only; it has no single
	// requests, refusals, errors, latencies or cached tokens.
	Metrics bool
	Zoom    int
	Window  time.Duration

	Requests, Skipped                   int64
	WithAILog, WithConsumer, WithTokens int64

	Pulse      Pulse
	Consumers  []Row
	Models     []Row
	Detail     *Detail
	Recent     []usage.Record // newest first
	Denials    []DenialGroup
	Denied     []usage.Denial // newest first
	DeniedAll  int64
	Confidence Confidence
	Warnings   []string

	// Done: the sources ended (Err says why, nil when each read to its end).
	Done bool
	Err  error
}

// Pulse is the window's figures for the Pulse view. A figure that is not known is -1.
type Pulse struct {
	Requests, Errors int64
	ReqPerSec        float64
	TokensPerMin     float64
	CostPerHour      float64
	// CostPartial: some requests of the window had no price; CostKnown: some had one.
	CostPartial, CostKnown bool
	ErrorPct               float64
	P95, FirstToken        float64 // ms
	CacheHitPct            float64
	// Sparks: one value a bucket, oldest first, for each tile.
	Sparks [TileCount][usage.WindowBuckets]float64
}

// Tile names a figure of the Pulse view.
type Tile int

const (
	TileRequests Tile = iota
	TileTokens
	TileCost
	TileErrors
	TileLatency
	TileFirstToken
	TileCache
	TileCount
)

// Row is a consumer or a model: totals since the start and rates over the window.
type Row struct {
	Name                  string
	Requests, Errors      int64
	Input, Output, Cached int64
	CostPico              int64
	Priced                bool // some cost is known (see usage.Group.Priced)
	Unpriced              int64
	P95                   float64 // ms, -1 unknown
	Last                  time.Time
	WindowRequests        int64
	CostPerHour           float64 // over the window
	// Change is the window's cost (requests, without any cost) against the window before it:
	// 0.5 is +50%; +Inf when the window before had none, NaN when neither had any.
	Change float64
	Spark  [usage.WindowBuckets]float64
}

// CostUSD is the row's estimated cost in dollars.
func (r *Row) CostUSD() float64 { return float64(r.CostPico) / 1e12 }

// Detail is the focused row's breakdown: the other dimension's rows and its recent requests.
type Detail struct {
	Focus
	Row    *Row
	Rows   []Row
	Recent []usage.Record
}

// DenialGroup counts the refusals of one reason, status, consumer and route.
type DenialGroup struct {
	Reason          usage.Reason
	Status          int
	Consumer, Route string
	Count           int64
	Last            time.Time
}

// Confidence says how much of the cost is an estimate: the tokens priced and not, and whether
// cached and reasoning tokens were accounted.
type Confidence struct {
	PricedTokens, UnpricedTokens int64
	UnpricedModels               []string
	UnknownTokens                int64 // requests whose tokens are unknown
	CachedTokens                 int64
}

func (f *Feed) snapshot() *Snapshot {
	if f.prom != nil {
		return f.promSnapshot()
	}
	wall := f.opts.Now()
	z := int(f.zoom.Load())
	zooms := usage.Zooms()
	z = min(max(z, 0), len(zooms)-1)
	s := &Snapshot{End: wall, Zoom: z, Window: zooms[z], Requests: f.byConsumer.Requests, Skipped: f.byConsumer.Skipped,
		WithAILog: f.byConsumer.AIRequests, WithConsumer: f.byConsumer.Attributed, WithTokens: f.withTokens, Warnings: f.warns.get()}
	if !f.newest.IsZero() && f.newest.Before(wall.Add(-s.Window)) {
		s.End, s.Replay = f.newest, true
	}
	s.Pulse = f.pulseOf(z, s.End)
	s.Consumers = f.rows(Consumers, f.byConsumer, z, s.End)
	s.Models = f.rows(Models, f.byModel, z, s.End)
	s.Recent = f.recentRecords()
	s.Denials, s.Denied, s.DeniedAll = f.denials.snapshot()
	s.Confidence = f.confidence(s.Models)
	f.focusMu.Lock()
	fc := f.focus
	f.focusMu.Unlock()
	if fc.On {
		s.Detail = f.detail(fc, s)
	}
	return s
}

func (f *Feed) pulseOf(z int, end time.Time) Pulse {
	sum, buckets := f.pulse.Window(z, end)
	w := usage.Zooms()[z]
	p := Pulse{Requests: sum.Requests, Errors: sum.Errors, ErrorPct: -1, P95: -1, FirstToken: -1, CacheHitPct: -1,
		ReqPerSec:    float64(sum.Requests) / w.Seconds(),
		TokensPerMin: float64(sum.Tokens) / w.Minutes(),
		CostPerHour:  float64(sum.CostPico) / 1e12 / w.Hours(),
		CostPartial:  sum.UnpricedTokens > 0, CostKnown: sum.PricedTokens > 0 || sum.CostPico > 0}
	if sum.Requests > 0 {
		p.ErrorPct = 100 * float64(sum.Errors) / float64(sum.Requests)
	}
	p.P95 = sum.Duration.Quantile(0.95)
	p.FirstToken = sum.FirstToken.Quantile(0.95)
	if sum.InputTokens > 0 {
		p.CacheHitPct = 100 * float64(sum.CachedTokens) / float64(sum.InputTokens)
	}
	bw := w / usage.WindowBuckets
	for i, b := range buckets {
		p.Sparks[TileRequests][i] = float64(b.Requests) / bw.Seconds()
		p.Sparks[TileTokens][i] = float64(b.Tokens) / bw.Minutes()
		p.Sparks[TileCost][i] = float64(b.CostPico) / 1e12 / bw.Hours()
		if b.Requests > 0 {
			p.Sparks[TileErrors][i] = 100 * float64(b.Errors) / float64(b.Requests)
		}
		p.Sparks[TileLatency][i] = max(b.Duration.Quantile(0.95), 0)
		p.Sparks[TileFirstToken][i] = max(b.FirstToken.Quantile(0.95), 0)
		if b.InputTokens > 0 {
			p.Sparks[TileCache][i] = 100 * float64(b.CachedTokens) / float64(b.InputTokens)
		}
	}
	return p
}

func (f *Feed) rows(d Dim, agg *usage.Aggregator, z int, end time.Time) []Row {
	groups := agg.Groups()
	out := make([]Row, len(groups))
	w := usage.Zooms()[z]
	for i, g := range groups {
		r := rowOf(g, g.Keys[0])
		if st, ok := f.rates[d][r.Name]; ok {
			cur, buckets := st.rates.Window(z, end, false)
			prev, _ := st.rates.Window(z, end, true)
			r.Last = st.last
			r.WindowRequests = cur.Requests
			r.CostPerHour = float64(cur.CostPico) / 1e12 / w.Hours()
			if cur.CostPico > 0 || prev.CostPico > 0 {
				r.Change = change(float64(cur.CostPico), float64(prev.CostPico))
			} else {
				r.Change = change(float64(cur.Requests), float64(prev.Requests))
			}
			for j, b := range buckets {
				r.Spark[j] = float64(b.Requests)
			}
		}
		out[i] = r
	}
	return out
}

func rowOf(g *usage.Group, name string) Row {
	return Row{Name: name, Requests: g.Requests, Errors: g.Errors, Input: g.InputTokens, Output: g.OutputTokens,
		Cached: g.CachedTokens, CostPico: g.CostPico, Priced: g.Priced(), Unpriced: g.UnpricedRequests,
		P95: g.Duration.Quantile(0.95), Change: math.NaN()}
}

func change(cur, prev float64) float64 {
	switch {
	case prev == 0 && cur == 0:
		return math.NaN()
	case prev == 0:
		return math.Inf(1)
	}
	return cur/prev - 1
}

func (f *Feed) confidence(models []Row) Confidence {
	var c Confidence
	for i := range models {
		m := &models[i]
		tokens := m.Input + m.Output
		c.CachedTokens += m.Cached
		if _, ok := f.opts.Prices.Lookup(m.Name); ok {
			c.PricedTokens += tokens
		} else {
			c.UnpricedTokens += tokens
			if m.Name != usage.Missing || tokens > 0 {
				c.UnpricedModels = append(c.UnpricedModels, m.Name)
			}
		}
	}
	c.UnknownTokens = f.byConsumer.Requests - f.withTokens
	return c
}

func (f *Feed) detail(fc Focus, s *Snapshot) *Detail {
	d := &Detail{Focus: fc}
	own := s.Consumers
	if fc.Dim == Models {
		own = s.Models
	}
	if i := slices.IndexFunc(own, func(r Row) bool { return r.Name == fc.Name }); i >= 0 {
		d.Row = &own[i]
	}
	key, other := 0, 1
	if fc.Dim == Models {
		key, other = 1, 0
	}
	for _, g := range f.byPair.Groups() {
		if g.Keys[key] == fc.Name {
			d.Rows = append(d.Rows, rowOf(g, g.Keys[other]))
		}
	}
	slices.SortStableFunc(d.Rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(b.CostPico, a.CostPico), cmp.Compare(b.Requests, a.Requests))
	})
	for _, r := range s.Recent {
		name := r.Consumer
		if fc.Dim == Models {
			name = r.Model
		}
		if name == fc.Name {
			d.Recent = append(d.Recent, r)
		}
	}
	return d
}
