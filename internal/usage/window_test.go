package usage

import (
	"testing"
	"time"
)

func TestRatesWindow(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	rec := func(status int, in, out int64) *Record {
		return &Record{Status: status, InputTokens: in, OutputTokens: out, HasTokens: true}
	}
	var r Rates
	// Zoom 0 is 5 minutes in 20 buckets of 15 s.
	r.Add(t0, rec(200, 100, 10), 1000)
	r.Add(t0.Add(20*time.Second), rec(500, 0, 0), 0)
	r.Add(t0.Add(4*time.Minute), rec(200, 5, 5), 7)
	// Six minutes before: in the window before, not in this one.
	r.Add(t0.Add(-2*time.Minute), rec(200, 1, 1), 3)

	end := t0.Add(4*time.Minute + 10*time.Second)
	cases := []struct {
		name                         string
		zoom                         int
		prev                         bool
		requests, errors, tokens, pc int64
	}{
		{"5m window", 0, false, 3, 1, 120, 1007},
		{"5m window before", 0, true, 1, 0, 2, 3},
		{"15m window holds all", 1, false, 4, 1, 122, 1010},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sum, buckets := r.Window(tc.zoom, end, tc.prev)
			if sum.Requests != tc.requests || sum.Errors != tc.errors || sum.Tokens != tc.tokens || sum.CostPico != tc.pc {
				t.Errorf("sum = %+v, want requests %d errors %d tokens %d cost %d", sum, tc.requests, tc.errors, tc.tokens, tc.pc)
			}
			var n int64
			for _, b := range buckets {
				n += b.Requests
			}
			if n != tc.requests {
				t.Errorf("buckets hold %d requests, sum %d", n, tc.requests)
			}
		})
	}
	// The newest bucket is the last one.
	_, buckets := r.Window(0, end, false)
	if buckets[WindowBuckets-1].Requests != 1 {
		t.Errorf("last bucket = %+v, want the request at +4m", buckets[WindowBuckets-1])
	}
}

func TestRatesForgetOldBuckets(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var r Rates
	r.Add(t0, &Record{Status: 200}, 0)
	// Eleven minutes later the ring (two 5-minute windows) has moved past the first request.
	later := t0.Add(11 * time.Minute)
	r.Add(later, &Record{Status: 200}, 0)
	if sum, _ := r.Window(0, later, true); sum.Requests != 0 {
		t.Errorf("window before holds %d requests, want 0: the bucket was reused", sum.Requests)
	}
	if sum, _ := r.Window(0, later, false); sum.Requests != 1 {
		t.Errorf("window holds %d requests, want 1", sum.Requests)
	}
	// A request older than the ring is dropped, not counted in a reused bucket.
	r.Add(t0, &Record{Status: 200}, 0)
	if sum, _ := r.Window(0, later, false); sum.Requests != 1 {
		t.Errorf("window holds %d requests after a late old one, want 1", sum.Requests)
	}
	// The 24h zoom holds all three, the late one too.
	if sum, _ := r.Window(4, later, false); sum.Requests != 3 {
		t.Errorf("24h window holds %d requests, want 3", sum.Requests)
	}
}

func TestPulseWindow(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var p Pulse
	p.Add(t0, &Record{Status: 200, InputTokens: 100, CachedTokens: 40, OutputTokens: 10, HasTokens: true, Duration: 1000, FirstToken: 200}, 5, true)
	p.Add(t0.Add(time.Second), &Record{Status: 200, InputTokens: 100, OutputTokens: 10, HasTokens: true, Duration: 3000, FirstToken: -1}, 0, false)
	sum, _ := p.Window(0, t0.Add(time.Minute))
	if sum.Requests != 2 || sum.InputTokens != 200 || sum.CachedTokens != 40 || sum.PricedTokens != 110 || sum.UnpricedTokens != 110 {
		t.Errorf("sum = %+v", sum.Tally)
	}
	if got := sum.Duration.Count(); got != 2 {
		t.Errorf("durations = %d, want 2", got)
	}
	if got := sum.FirstToken.Count(); got != 1 {
		t.Errorf("first tokens = %d, want 1", got)
	}
	if q := sum.Duration.Quantile(0.95); q < 2900 || q > 3100 {
		t.Errorf("p95 = %v, want about 3000", q)
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"", time.Time{}, false},
		{"2h", now.Add(-2 * time.Hour), false},
		{"7d", now.Add(-7 * 24 * time.Hour), false},
		{"2026-11-20", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), false},
		{"2026-11-20T10:00:00Z", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), false},
		{"yesterday", time.Time{}, true},
		{"-1h", time.Time{}, true},
	}
	for _, tc := range cases {
		got, err := ParseTime(tc.in, now)
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}
