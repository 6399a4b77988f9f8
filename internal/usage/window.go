package usage

import "time"

// Zooms are the time windows a live view can show rates over, shortest first.
var zooms = [...]time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}

// Zooms returns the windows rates are kept for, shortest first.
func Zooms() []time.Duration { return zooms[:] }

// WindowBuckets is how many buckets a window is cut into: a sparkline's points. Rates keep twice
// as many, so a window can be compared with the one before it.
const WindowBuckets = 20

const ringBuckets = 2 * WindowBuckets

// bucketWidth is the width of one bucket of zoom z.
func bucketWidth(z int) time.Duration { return zooms[z] / WindowBuckets }

// Tally is what a bucket of requests sums.
type Tally struct {
	Requests, Errors int64
	// Tokens is input plus output tokens.
	Tokens   int64
	CostPico int64
}

func (t *Tally) add(r *Record, costPico int64) {
	t.Requests++
	if r.Error() {
		t.Errors++
	}
	t.Tokens += r.InputTokens + r.OutputTokens
	t.CostPico += costPico
}

// ring holds the buckets of one zoom, indexed by bucket number modulo ringBuckets; last is the
// newest bucket number written (buckets older than last-ringBuckets are gone).
type ring[T any] struct {
	last    int64
	started bool
	b       [ringBuckets]T
}

// slot returns the bucket of number n, clearing the ones it moves past; nil when n is older than
// the ring keeps.
func (r *ring[T]) slot(n int64) *T {
	var zero T
	switch {
	case !r.started:
		r.started, r.last = true, n
	case n > r.last:
		for i := r.last + 1; i <= n && i <= r.last+ringBuckets; i++ {
			r.b[mod(i)] = zero
		}
		r.last = n
	case n <= r.last-ringBuckets:
		return nil
	}
	return &r.b[mod(n)]
}

// at returns the bucket of number n, or nil when the ring holds nothing for it.
func (r *ring[T]) at(n int64) *T {
	if !r.started || n > r.last || n <= r.last-ringBuckets {
		return nil
	}
	return &r.b[mod(n)]
}

func mod(n int64) int { return int(((n % ringBuckets) + ringBuckets) % ringBuckets) }

func bucketOfTime(t time.Time, z int) int64 { return t.UnixNano() / int64(bucketWidth(z)) }

// Rates counts one group's requests in time buckets at every zoom: memory fixed whatever the
// number of requests, about 6 KiB.
type Rates struct {
	z [len(zooms)]ring[Tally]
}

// Add counts a request that started at t.
func (r *Rates) Add(t time.Time, rec *Record, costPico int64) {
	for z := range r.z {
		if b := r.z[z].slot(bucketOfTime(t, z)); b != nil {
			b.add(rec, costPico)
		}
	}
}

// Window sums the window of zoom z ending at now (the window before it with prev) and returns
// its buckets, oldest first.
func (r *Rates) Window(z int, now time.Time, prev bool) (sum Tally, buckets [WindowBuckets]Tally) {
	end := bucketOfTime(now, z)
	if prev {
		end -= WindowBuckets
	}
	for i := range WindowBuckets {
		if t := r.z[z].at(end - WindowBuckets + 1 + int64(i)); t != nil {
			buckets[i] = *t
			sum.Requests += t.Requests
			sum.Errors += t.Errors
			sum.Tokens += t.Tokens
			sum.CostPico += t.CostPico
		}
	}
	return sum, buckets
}

// PulseBucket is what a bucket of all requests holds: the tally, cache use and latencies.
type PulseBucket struct {
	Tally
	InputTokens, CachedTokens int64
	// Priced counts the tokens of priced requests, Unpriced those of requests without a price.
	PricedTokens, UnpricedTokens int64
	Duration, FirstToken         Histogram
}

// Pulse counts every request in time buckets at every zoom, with latencies.
type Pulse struct {
	z [len(zooms)]ring[PulseBucket]
}

// Add counts a request that started at t; priced says whether its cost is known.
func (p *Pulse) Add(t time.Time, rec *Record, costPico int64, priced bool) {
	for z := range p.z {
		b := p.z[z].slot(bucketOfTime(t, z))
		if b == nil {
			continue
		}
		b.add(rec, costPico)
		b.InputTokens += rec.InputTokens
		b.CachedTokens += rec.CachedTokens
		if priced {
			b.PricedTokens += rec.InputTokens + rec.OutputTokens
		} else {
			b.UnpricedTokens += rec.InputTokens + rec.OutputTokens
		}
		if rec.Duration >= 0 {
			b.Duration.Add(rec.Duration)
		}
		if rec.FirstToken >= 0 {
			b.FirstToken.Add(rec.FirstToken)
		}
	}
}

// Window returns the buckets of the window of zoom z ending at now, oldest first (zero buckets
// where nothing came), and their sum.
func (p *Pulse) Window(z int, now time.Time) (sum PulseBucket, buckets [WindowBuckets]*PulseBucket) {
	end := bucketOfTime(now, z)
	empty := &PulseBucket{}
	for i := range WindowBuckets {
		b := p.z[z].at(end - WindowBuckets + 1 + int64(i))
		if b == nil {
			b = empty
		}
		buckets[i] = b
		sum.Requests += b.Requests
		sum.Errors += b.Errors
		sum.Tokens += b.Tokens
		sum.CostPico += b.CostPico
		sum.InputTokens += b.InputTokens
		sum.CachedTokens += b.CachedTokens
		sum.PricedTokens += b.PricedTokens
		sum.UnpricedTokens += b.UnpricedTokens
		sum.Duration.Merge(&b.Duration)
		sum.FirstToken.Merge(&b.FirstToken)
	}
	return sum, buckets
}
