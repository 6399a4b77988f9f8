// Package feed runs the dashboard's ingest outside the UI loop: it follows the sources with
// usage.Stream, aggregates every batch (totals with usage.Aggregator, rates with usage.Rates and
// usage.Pulse, denials with usage.Parser.ParseDenial) and hands the UI a Snapshot at a bounded
// rate. The UI never waits for it and it never waits for the UI: a snapshot the UI has not taken
// is replaced by a newer one.
package feed

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/higress-ai/higress-ai/internal/usage"
)

// Options configure a feed.
type Options struct {
	Sources []usage.Source
	Prices  *usage.Prices
	Filter  usage.Filter
	// Every is how often a snapshot is made (default 1 s).
	Every time.Duration
	// Now is the wall clock (default time.Now).
	Now func() time.Time
	// Recent is how many requests the Live view can show (default 1,000).
	Recent int
	// StreamEvery is usage.StreamOptions.Every (default usage's).
	StreamEvery time.Duration
	// Prometheus, when set, is polled every PromEvery (default DefaultPromEvery) instead of
	// reading Sources: for fleets whose logs are too many to tail.
	Prometheus *usage.Prometheus
	PromEvery  time.Duration
}

// Dim says which table a row belongs to.
type Dim int

const (
	Consumers Dim = iota
	Models
)

// Focus is the row the UI drilled into: its name in a table.
type Focus struct {
	Dim  Dim
	Name string
	On   bool
}

// Feed aggregates what the sources send.
type Feed struct {
	opts Options
	zoom atomic.Int32
	// focus and poke are set by the UI; the feed reads them when it makes a snapshot.
	focusMu sync.Mutex
	focus   Focus
	poke    chan struct{}

	out chan *Snapshot

	// Owned by the goroutine of Run.
	byConsumer, byModel, byPair *usage.Aggregator
	rates                       [2]map[string]*rowState
	pulse                       usage.Pulse
	recent                      []usage.Record
	recentNext                  int
	newest                      time.Time
	withTokens                  int64

	denials *denials
	warns   *warnings
	prom    *promState // the last poll, with Prometheus
}

type rowState struct {
	rates usage.Rates
	last  time.Time
}

// New returns a feed; Run starts it.
func New(opts Options) *Feed {
	if opts.Every <= 0 {
		opts.Every = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Recent <= 0 {
		opts.Recent = 1000
	}
	if opts.Prices == nil {
		opts.Prices = usage.BuiltinPrices()
	}
	return &Feed{
		opts:       opts,
		poke:       make(chan struct{}, 1),
		out:        make(chan *Snapshot, 1),
		byConsumer: usage.NewAggregator([]usage.Dim{usage.ByConsumer}, opts.Prices),
		byModel:    usage.NewAggregator([]usage.Dim{usage.ByModel}, opts.Prices),
		byPair:     usage.NewAggregator([]usage.Dim{usage.ByConsumer, usage.ByModel}, opts.Prices),
		rates:      [2]map[string]*rowState{{}, {}},
		denials:    newDenials(),
		warns:      &warnings{},
	}
}

// Snapshots is where the snapshots come: at most one waits.
func (f *Feed) Snapshots() <-chan *Snapshot { return f.out }

// SetZoom sets the window rates are computed over (an index of usage.Zooms) and asks for a
// snapshot at once.
func (f *Feed) SetZoom(z int) {
	f.zoom.Store(int32(z))
	f.Poke()
}

// SetFocus sets the row whose detail snapshots carry, and asks for a snapshot at once.
func (f *Feed) SetFocus(fc Focus) {
	f.focusMu.Lock()
	f.focus = fc
	f.focusMu.Unlock()
	f.Poke()
}

// Poke asks for a snapshot now.
func (f *Feed) Poke() {
	select {
	case f.poke <- struct{}{}:
	default:
	}
}

// Warn records a message of a source (a pod that could not be read); the next snapshots show it.
func (f *Feed) Warn(s string) { f.warns.add(s, f.opts.Now()) }

// Run follows the sources until ctx is cancelled or they end; the last snapshot carries the error
// that ended them (nil when ctx was cancelled or every source ended).
func (f *Feed) Run(ctx context.Context) error {
	if f.opts.Prometheus != nil {
		return f.runPrometheus(ctx)
	}
	batches := make(chan usage.Batch, 1)
	streamErr := make(chan error, 1)
	sources := make([]usage.Source, len(f.opts.Sources))
	for i, s := range f.opts.Sources {
		sources[i] = tapped{Source: s, d: f.denials, filter: f.opts.Filter}
	}
	go func() {
		streamErr <- usage.Stream(ctx, sources, usage.StreamOptions{Filter: f.opts.Filter, Every: f.opts.StreamEvery}, batches)
	}()
	tick := time.NewTicker(f.opts.Every)
	defer tick.Stop()
	f.publish(false, nil)
	for {
		select {
		case b, ok := <-batches:
			if !ok {
				err := <-streamErr
				f.publish(true, err)
				return err
			}
			f.addBatch(b)
		case <-tick.C:
			f.publish(false, nil)
		case <-f.poke:
			f.publish(false, nil)
		case <-ctx.Done():
			// Stream closes batches soon after; take what it sends.
			for b := range batches {
				f.addBatch(b)
			}
			return <-streamErr
		}
	}
}

func (f *Feed) addBatch(b usage.Batch) {
	f.byConsumer.Skipped += b.Skipped
	now := f.opts.Now()
	for i := range b.Records {
		r := &b.Records[i]
		f.byConsumer.Add(r)
		f.byModel.Add(r)
		f.byPair.Add(r)
		t := r.Time
		if t.IsZero() {
			t = now
		}
		if t.After(f.newest) {
			f.newest = t
		}
		cost, pricing := f.opts.Prices.Request(r)
		f.pulse.Add(t, r, cost, pricing != usage.Unpriced)
		f.row(Consumers, r.Consumer).add(t, r, cost)
		f.row(Models, r.Model).add(t, r, cost)
		if r.HasTokens {
			f.withTokens++
		}
		if len(f.recent) < f.opts.Recent {
			f.recent = append(f.recent, *r)
		} else {
			f.recent[f.recentNext] = *r
			f.recentNext = (f.recentNext + 1) % f.opts.Recent
		}
	}
}

func (s *rowState) add(t time.Time, r *usage.Record, cost int64) {
	s.rates.Add(t, r, cost)
	if t.After(s.last) {
		s.last = t
	}
}

func (f *Feed) row(d Dim, name string) *rowState {
	s, ok := f.rates[d][name]
	if !ok {
		s = &rowState{}
		f.rates[d][name] = s
	}
	return s
}

// recentRecords returns the recent requests, newest first.
func (f *Feed) recentRecords() []usage.Record {
	out := make([]usage.Record, 0, len(f.recent))
	for i := range len(f.recent) {
		j := (f.recentNext - 1 - i + 2*len(f.recent)) % len(f.recent)
		out = append(out, f.recent[j])
	}
	return out
}

func (f *Feed) publish(done bool, err error) {
	s := f.snapshot()
	s.Done, s.Err = done, err
	// Latest wins: drop a snapshot the UI has not taken yet.
	select {
	case <-f.out:
	default:
	}
	f.out <- s
}

// tapped reads a source and passes each line to the denial counter too, on the reading
// goroutine (a byte search for lines of other statuses).
type tapped struct {
	usage.Source
	d      *denials
	filter usage.Filter
}

func (t tapped) Read(ctx context.Context, follow bool, newLine func() func([]byte)) error {
	return t.Source.Read(ctx, follow, func() func([]byte) {
		inner := newLine()
		p := usage.NewParser()
		return func(line []byte) {
			if d, ok := p.ParseDenial(line); ok && t.filter.Keep(&d.Record) {
				t.d.add(&d)
			}
			inner(line)
		}
	})
}

// denials counts refusals by reason, status, consumer and route, and keeps the latest ones.
type denials struct {
	mu     sync.Mutex
	groups map[denialKey]*DenialGroup
	recent []usage.Denial
	total  int64
}

type denialKey struct {
	reason          usage.Reason
	status          int
	consumer, route string
}

const maxDenialGroups, recentDenials = 10000, 200

func newDenials() *denials { return &denials{groups: map[denialKey]*DenialGroup{}} }

func (d *denials) add(x *usage.Denial) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.total++
	k := denialKey{x.Reason, x.Status, x.Consumer, x.Route}
	g, ok := d.groups[k]
	if !ok {
		if len(d.groups) >= maxDenialGroups {
			k = denialKey{x.Reason, x.Status, "(other)", "(other)"}
			if g, ok = d.groups[k]; !ok {
				g = &DenialGroup{Reason: x.Reason, Status: x.Status, Consumer: "(other)", Route: "(other)"}
				d.groups[k] = g
			}
		} else {
			g = &DenialGroup{Reason: x.Reason, Status: x.Status, Consumer: x.Consumer, Route: x.Route}
			d.groups[k] = g
		}
	}
	g.Count++
	if x.Time.After(g.Last) {
		g.Last = x.Time
	}
	if len(d.recent) >= recentDenials {
		d.recent = slices.Delete(d.recent, 0, 1)
	}
	d.recent = append(d.recent, *x)
}

func (d *denials) snapshot() (groups []DenialGroup, recent []usage.Denial, total int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	groups = make([]DenialGroup, 0, len(d.groups))
	for _, g := range d.groups {
		groups = append(groups, *g)
	}
	recent = slices.Clone(d.recent)
	slices.Reverse(recent)
	return groups, recent, d.total
}

// warnings keeps the latest messages of the sources.
type warnings struct {
	mu   sync.Mutex
	last []string
	at   time.Time
}

func (w *warnings) add(s string, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.last) >= 3 {
		w.last = w.last[1:]
	}
	w.last = append(w.last, s)
	w.at = now
}

func (w *warnings) get() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.last)
}
