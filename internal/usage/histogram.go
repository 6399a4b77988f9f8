package usage

import (
	"math"
	"slices"
)

// Histogram records latencies in ms in logarithmic buckets 2% wide: quantiles within 1% of the
// exact value, in a size bounded whatever the number of values (at most 1,100 counts). It lists
// the buckets it uses (8 bytes each, found by binary search) while that takes less than half the
// room of a run of counts from its smallest bucket to its largest (4 bytes a bucket), then keeps
// the run: a report or a dashboard with tens of thousands of groups pays for the buckets its
// groups use, not for the whole range.
type Histogram struct {
	n, zeros int64
	// sparse lists the buckets used, in order, while it is the much smaller; then dense counts
	// the buckets lo, lo+1, ... and sparse is nil.
	sparse []bucketCount
	lo     int
	dense  []uint32
}

type bucketCount struct {
	i uint16
	n uint32
}

const (
	histGrowth  = 1.02
	histBuckets = 1100 // up to 1.02^1100 ms: years
	// logGrowth is math.Log(histGrowth).
	logGrowth = 0.01980262729617973
	// minSparse is how many buckets a histogram lists at least before it counts them in a run.
	minSparse = 32
	// denseSlack is how many buckets a dense run grows by beyond the one it needs, so that values
	// creeping outwards do not reallocate it each time.
	denseSlack = 16
)

func bucketOf(ms float64) int {
	i := int(math.Log(ms) / logGrowth)
	if i >= histBuckets {
		i = histBuckets - 1
	}
	return i
}

// Add records a value in ms.
func (h *Histogram) Add(ms float64) {
	h.n++
	if ms < 1 {
		h.zeros++
		return
	}
	h.count(bucketOf(ms), 1)
}

// count adds c values to bucket i.
func (h *Histogram) count(i int, c uint32) {
	if h.dense == nil {
		j, found := slices.BinarySearchFunc(h.sparse, i, func(b bucketCount, i int) int { return int(b.i) - i })
		switch {
		case found:
			h.sparse[j].n += c
			return
		case len(h.sparse) < minSparse || 4*(len(h.sparse)+1) < h.span(i):
			h.sparse = slices.Insert(h.sparse, j, bucketCount{uint16(i), c})
			return
		}
		h.toDense()
	}
	if i < h.lo || i >= h.lo+len(h.dense) {
		h.cover(i)
	}
	h.dense[i-h.lo] += c
}

// span is how many buckets a run of counts would take for the buckets listed and bucket i.
func (h *Histogram) span(i int) int {
	lo, hi := int(h.sparse[0].i), int(h.sparse[len(h.sparse)-1].i)
	return max(hi, i) - min(lo, i) + 1
}

// toDense turns the list of buckets into a run of counts.
func (h *Histogram) toDense() {
	lo, hi := int(h.sparse[0].i), int(h.sparse[len(h.sparse)-1].i)
	h.lo, h.dense = lo, make([]uint32, hi-lo+1)
	for _, b := range h.sparse {
		h.dense[int(b.i)-lo] = b.n
	}
	h.sparse = nil
}

// cover extends the dense run to bucket i, and a little beyond.
func (h *Histogram) cover(i int) {
	lo, hi := h.lo, h.lo+len(h.dense)
	if i < lo {
		lo = max(i-denseSlack, 0)
	}
	if i >= hi {
		hi = min(i+1+denseSlack, histBuckets)
	}
	dense := make([]uint32, hi-lo)
	copy(dense[h.lo-lo:], h.dense)
	h.lo, h.dense = lo, dense
}

// Count is the number of values.
func (h *Histogram) Count() int64 { return h.n }

// Quantile returns the q-quantile (0 < q <= 1), or -1 when there are no values.
func (h *Histogram) Quantile(q float64) float64 {
	if h.n == 0 {
		return -1
	}
	rank := max(int64(math.Ceil(q*float64(h.n))), 1)
	if rank <= h.zeros {
		return 0
	}
	found := -1
	seen := h.zeros
	h.each(func(i int, c uint32) bool {
		seen += int64(c)
		if seen >= rank {
			found = i
			return false
		}
		return true
	})
	if found < 0 {
		return -1
	}
	// The bucket's geometric middle.
	return math.Pow(histGrowth, float64(found)+0.5)
}

// each calls fn for every bucket with values, in order, while fn returns true.
func (h *Histogram) each(fn func(i int, c uint32) bool) {
	for _, b := range h.sparse {
		if !fn(int(b.i), b.n) {
			return
		}
	}
	for j, c := range h.dense {
		if c > 0 && !fn(h.lo+j, c) {
			return
		}
	}
}

// Merge adds another histogram's values.
func (h *Histogram) Merge(o *Histogram) {
	h.n += o.n
	h.zeros += o.zeros
	if h.dense == nil && len(h.sparse) == 0 {
		// Nothing here yet: take a copy of o's buckets as they are.
		h.sparse, h.lo, h.dense = slices.Clone(o.sparse), o.lo, slices.Clone(o.dense)
		return
	}
	o.each(func(i int, c uint32) bool {
		h.count(i, c)
		return true
	})
}
