package usage

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

func TestHistogramQuantilesAreClose(t *testing.T) {
	if logGrowth != math.Log(histGrowth) {
		t.Fatalf("logGrowth %v, math.Log(%v) = %v", logGrowth, histGrowth, math.Log(histGrowth))
	}
	var h Histogram
	for i := 1; i <= 10000; i++ {
		h.Add(float64(i))
	}
	for _, q := range []struct{ q, want float64 }{{0.5, 5000}, {0.95, 9500}, {1, 10000}} {
		if got := h.Quantile(q.q); math.Abs(got-q.want)/q.want > 0.011 {
			t.Errorf("p%v = %v, want %v within 1%%", q.q*100, got, q.want)
		}
	}
	var empty Histogram
	if empty.Quantile(0.5) != -1 {
		t.Error("empty histogram has a quantile")
	}
	var zeros Histogram
	zeros.Add(0)
	zeros.Add(0.5)
	if zeros.Quantile(0.95) != 0 {
		t.Error("sub-millisecond values")
	}
}

// exactQuantile is the q-quantile of sorted values as Histogram defines it: the value of rank
// ceil(q*n).
func exactQuantile(sorted []float64, q float64) float64 {
	rank := max(int(math.Ceil(q*float64(len(sorted)))), 1)
	return sorted[rank-1]
}

// A histogram is exact to 1% whatever it went through: few values (a list of buckets), many
// (a run of counts), values far apart, and merges of each kind into each kind, in any order.
func TestHistogramWithinOnePercentWhateverItsShape(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	draw := map[string]func() float64{
		"narrow":    func() float64 { return 200 + rng.Float64()*20 },
		"wide":      func() float64 { return 50 + rng.Float64()*30000 },
		"far apart": func() float64 { return math.Pow(10, rng.Float64()*7) },
		"with zeros": func() float64 {
			if rng.IntN(3) == 0 {
				return rng.Float64()
			}
			return 1 + rng.ExpFloat64()*500
		},
	}
	for name, next := range draw {
		for _, sizes := range [][]int{{1}, {5}, {31, 1}, {32}, {33}, {3, 200}, {200, 3}, {1000, 1000}, {10, 10, 10, 10, 10}, {5000}} {
			t.Run(fmt.Sprintf("%s %v", name, sizes), func(t *testing.T) {
				var all []float64
				var merged Histogram
				for _, n := range sizes {
					var part Histogram
					for range n {
						v := next()
						all = append(all, v)
						part.Add(v)
					}
					merged.Merge(&part)
				}
				slices.Sort(all)
				if merged.Count() != int64(len(all)) {
					t.Fatalf("count %d, want %d", merged.Count(), len(all))
				}
				for _, q := range []float64{0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1} {
					want := exactQuantile(all, q)
					got := merged.Quantile(q)
					if want < 1 {
						if got != 0 {
							t.Fatalf("p%v = %v, want 0 (%v is below 1 ms)", q*100, got, want)
						}
						continue
					}
					if math.Abs(got-want)/want > 0.01 {
						t.Fatalf("p%v = %v, want %v within 1%%", q*100, got, want)
					}
				}
			})
		}
	}
}

// heapBytes returns the bytes in use on the heap after a collection.
func heapBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A dashboard holds thousands of consumers: a group's memory is what its requests need, not the
// histograms' whole range (it was 9 KB a group, each parsing core holding its own copy).
func TestGroupsAreSmall(t *testing.T) {
	const groups = 20000
	rng := rand.New(rand.NewPCG(3, 4))
	before := heapBytes()
	agg := NewAggregator([]Dim{ByConsumer}, nil)
	for i := range groups * 10 {
		r := Record{Consumer: fmt.Sprintf("consumer-%05d", i%groups), Model: "gpt-4o", HasAILog: true,
			InputTokens: 100, OutputTokens: 10, Status: 200, Duration: 50 + rng.Float64()*30000, FirstToken: 100 + rng.Float64()*3000}
		agg.Add(&r)
	}
	perGroup := (heapBytes() - before) / groups
	runtime.KeepAlive(agg)
	if perGroup > 1024 {
		t.Fatalf("%d bytes a group of 10 requests, want at most 1 KiB", perGroup)
	}
	t.Logf("%d bytes a group of 10 requests", perGroup)
}
