package ratelimit

import (
	"container/heap"
	"sort"
	"time"

	"github.com/higress-ai/higress-ai/internal/usage"
)

// Counters models the plugin's Redis counters: the value of each key and when it expires.
type Counters struct {
	keys map[string]*counter
}

type counter struct {
	value   int64
	expires time.Time
}

// NewCounters returns empty counters.
func NewCounters() *Counters { return &Counters{keys: map[string]*counter{}} }

// Value is the counter of key at now (0 when absent or expired).
func (c *Counters) Value(key string, now time.Time) int64 {
	k, ok := c.keys[key]
	if !ok {
		return 0
	}
	if !now.Before(k.expires) {
		delete(c.keys, key)
		return 0
	}
	return k.value
}

// Allow is the plugin's check before a request: refused only when the counter is above the limit.
func (c *Counters) Allow(key string, limit int64, now time.Time) bool {
	return c.Value(key, now) <= limit
}

// Charge is the plugin's step after a response: tokens are added while the counter is not above
// the limit, and the first tokens of a window start it.
func (c *Counters) Charge(key string, limit int64, window time.Duration, tokens int64, now time.Time) {
	if tokens <= 0 {
		return
	}
	v := c.Value(key, now)
	if v > limit {
		return
	}
	if k, ok := c.keys[key]; ok {
		k.value = saturatingAdd(k.value, tokens)
		return
	}
	c.keys[key] = &counter{value: tokens, expires: now.Add(window)}
}

// Len is the number of live counters (those not yet seen expired).
func (c *Counters) Len() int { return len(c.keys) }

func saturatingAdd(a, b int64) int64 {
	if s := a + b; s >= a {
		return s
	}
	return 1<<63 - 1
}

// Policy gives the ai-token-ratelimit config in force on a route: nil when none applies.
type Policy interface {
	Limits(route string) *Config
}

// Replay runs requests of a log through limits as the plugin would have enforced them. Records
// must come in the order of their start times (as one gateway's log does); memory holds one
// counter per key and the requests still open, never the log.
type Replay struct {
	policy   Policy
	counters *Counters
	pending  charges
	all      *usage.Aggregator
	refused  *usage.Aggregator
	first    map[string]time.Time
	last     time.Time
	// Unplaced counts records without a start time, which cannot be replayed.
	Unplaced int64
	// OutOfOrder counts records that started before one already replayed.
	OutOfOrder int64
	// Undecidable is set when a rule item keyed on headers, parameters, cookies or client
	// addresses came before the consumer's limit: logs do not carry those, so the replay treats
	// them as not matching.
	Undecidable bool
}

// NewReplay returns a replay through policy, pricing with prices.
func NewReplay(policy Policy, prices *usage.Prices) *Replay {
	by := []usage.Dim{usage.ByConsumer}
	return &Replay{
		policy:   policy,
		counters: NewCounters(),
		all:      usage.NewAggregator(by, prices),
		refused:  usage.NewAggregator(by, prices),
		first:    map[string]time.Time{},
	}
}

// Counters are the replay's counters, for checking against the plugin's.
func (r *Replay) Counters() *Counters { return r.counters }

// Add replays one request.
func (r *Replay) Add(rec *usage.Record) {
	if rec.Time.IsZero() {
		r.Unplaced++
		return
	}
	if rec.Time.Before(r.last) {
		r.OutOfOrder++
	} else {
		r.last = rec.Time
	}
	r.settle(rec.Time)
	r.all.Add(rec)
	cfg := r.policy.Limits(rec.Route)
	if cfg == nil {
		return
	}
	key, limit, window, ok := r.decide(cfg, rec.Consumer)
	if !ok {
		return
	}
	if !r.counters.Allow(key, limit, rec.Time) {
		r.refused.Add(rec)
		if _, seen := r.first[rec.Consumer]; !seen {
			r.first[rec.Consumer] = rec.Time
		}
		return
	}
	if !rec.HasTokens {
		return
	}
	end := rec.Time
	if rec.Duration > 0 {
		end = end.Add(time.Duration(rec.Duration * float64(time.Millisecond)))
	}
	heap.Push(&r.pending, charge{at: end, key: key, limit: limit, window: window, tokens: saturatingAdd(rec.InputTokens, rec.OutputTokens)})
}

// decide finds the counter a request of consumer is checked against.
func (r *Replay) decide(cfg *Config, consumer string) (key string, limit int64, window time.Duration, ok bool) {
	if cfg.Global != nil {
		return cfg.RedisKey(nil, nil, ""), cfg.Global.Tokens, cfg.Global.Window.Duration(), true
	}
	// A request without a consumer (usage.Missing, "") matches no consumer item.
	item, l, ok, unknown := cfg.Match(consumer)
	if unknown {
		r.Undecidable = true
	}
	if !ok {
		return "", 0, 0, false
	}
	return cfg.RedisKey(item, l, consumer), l.Tokens, l.Window.Duration(), true
}

// settle applies the charges of responses that ended by now.
func (r *Replay) settle(now time.Time) {
	for len(r.pending) > 0 && !r.pending[0].at.After(now) {
		c := heap.Pop(&r.pending).(charge)
		r.counters.Charge(c.key, c.limit, c.window, c.tokens, c.at)
	}
}

// Finish applies every charge still open.
func (r *Replay) Finish() {
	for len(r.pending) > 0 {
		c := heap.Pop(&r.pending).(charge)
		r.counters.Charge(c.key, c.limit, c.window, c.tokens, c.at)
	}
}

// Result is what the limits would have done to one consumer's requests.
type Result struct {
	Consumer string
	Requests int64
	// Refused requests, the first one's start, and what they spent in the log: tokens and cost
	// that the limits would have saved (cost unknown for unpriced requests).
	Refused         int64
	FirstRefused    time.Time
	TokensSaved     int64
	CostSavedPico   int64
	UnpricedRefused int64
}

// Results are per consumer, those with refused requests first, then by name.
func (r *Replay) Results() []Result {
	refused := map[string]*usage.Group{}
	for _, g := range r.refused.Groups() {
		refused[g.Keys[0]] = g
	}
	var out []Result
	for _, g := range r.all.Groups() {
		res := Result{Consumer: g.Keys[0], Requests: g.Requests}
		if rg, ok := refused[res.Consumer]; ok {
			res.Refused = rg.Requests
			res.FirstRefused = r.first[res.Consumer]
			res.TokensSaved = saturatingAdd(rg.InputTokens, rg.OutputTokens)
			res.CostSavedPico = rg.CostPico
			res.UnpricedRefused = rg.UnpricedRequests
		}
		out = append(out, res)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].Refused > 0) != (out[j].Refused > 0) {
			return out[i].Refused > 0
		}
		return out[i].Consumer < out[j].Consumer
	})
	return out
}

type charge struct {
	at     time.Time
	key    string
	limit  int64
	window time.Duration
	tokens int64
}

type charges []charge

func (h charges) Len() int           { return len(h) }
func (h charges) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h charges) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *charges) Push(x any)        { *h = append(*h, x.(charge)) }
func (h *charges) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}
