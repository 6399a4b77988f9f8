package tui

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/higress-ai/higress-ai/internal/tui/feed"
	"github.com/higress-ai/higress-ai/internal/usage"
	"github.com/higress-ai/higress-ai/internal/usage/usagetest"
)

func genLog(b *testing.B, g usagetest.Gen, n int) []byte {
	b.Helper()
	var buf bytes.Buffer
	if _, err := g.Write(&buf, n, 5); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// frame is what the UI does with a snapshot: take it, and draw the screen.
func frame(m *Model, s *feed.Snapshot) {
	m.Update(SnapshotMsg{Snapshot: s})
	_ = m.View()
}

// BenchmarkDashboardFrame10kConsumers times a frame (a snapshot taken, the Consumers view drawn
// at 140x40) with 10,000 distinct consumers.
func BenchmarkDashboardFrame10kConsumers(b *testing.B) {
	s := snapshotOf(b, genLog(b, usagetest.Gen{Consumers: 10000}, 100000), 0, feed.Focus{})
	if len(s.Consumers) < 9000 {
		b.Fatalf("%d consumers", len(s.Consumers))
	}
	m, _ := newTestModel(b, s, 140, 40)
	press(m, "2")
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		frame(m, s)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
	// On a shared machine the wall time includes waiting for a core: the CPU time is the cost.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/frame")
}

// cpuTime is the CPU time the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pacedReader hands out data at rate lines a second, repeating it, until n lines were read.
type pacedReader struct {
	lines   [][]byte
	rate    int
	n, sent int
	start   time.Time
	pending []byte
}

func (r *pacedReader) Read(p []byte) (int, error) {
	if len(r.pending) == 0 {
		if r.sent >= r.n {
			return 0, io.EOF
		}
		if r.start.IsZero() {
			r.start = time.Now()
		}
		// Release what is due by now, in chunks of 10 ms.
		due := int(time.Since(r.start).Seconds()*float64(r.rate)) + r.rate/100
		for r.sent >= due {
			time.Sleep(2 * time.Millisecond)
			due = int(time.Since(r.start).Seconds()*float64(r.rate)) + r.rate/100
		}
		var buf []byte
		for ; r.sent < due && r.sent < r.n && len(buf) < 1<<20; r.sent++ {
			buf = append(buf, r.lines[r.sent%len(r.lines)]...)
			buf = append(buf, '\n')
		}
		r.pending = buf
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// BenchmarkDashboardIngest50k feeds 50,000 lines a second for 5 seconds into a running feed
// while the UI takes every snapshot (10 a second) and draws it, and reports the lines a second
// it sustained and the frame times.
func BenchmarkDashboardIngest50k(b *testing.B) {
	data := genLog(b, usagetest.Gen{Consumers: 10000}, 50000)
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	for range b.N {
		const rate, seconds = 50000, 5
		src := &pacedReader{lines: lines, rate: rate, n: rate * seconds}
		fd := feed.New(feed.Options{Sources: []usage.Source{usage.FileSource{Path: "-", Stdin: src}},
			Every: 100 * time.Millisecond, StreamEvery: 50 * time.Millisecond})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		go fd.Run(ctx)
		m, _ := newTestModel(b, nil, 140, 40)
		press(m, "2")
		start, cpu0 := time.Now(), cpuTime()
		var frames []time.Duration
		var last *feed.Snapshot
		for last == nil || !last.Done {
			select {
			case s := <-fd.Snapshots():
				t0 := time.Now()
				frame(m, s)
				frames = append(frames, time.Since(t0))
				last = s
			case <-ctx.Done():
				b.Fatal("the feed did not end")
			}
		}
		elapsed, cpu := time.Since(start), cpuTime()-cpu0
		cancel()
		slices.Sort(frames)
		read := last.Requests + last.Skipped
		b.ReportMetric(float64(read)/elapsed.Seconds(), "lines/s")
		// On a shared machine: the lines read per second of CPU the whole process used.
		b.ReportMetric(float64(read)/cpu.Seconds(), "lines/cpu-s")
		b.ReportMetric(float64(frames[len(frames)/2].Microseconds())/1000, "ms/frame-p50")
		b.ReportMetric(float64(frames[len(frames)*95/100].Microseconds())/1000, "ms/frame-p95")
		b.ReportMetric(float64(frames[len(frames)-1].Microseconds())/1000, "ms/frame-max")
	}
}

// BenchmarkDashboardMemory1M reads 1,000,000 lines (10,000 consumers) into a feed and reports
// the heap the feed holds then (beyond the generated input the benchmark keeps), and after the
// first 100,000 lines: flat means it does not grow with the lines read.
func BenchmarkDashboardMemory1M(b *testing.B) {
	data := genLog(b, usagetest.Gen{Consumers: 10000}, 100000)
	// Blank lines are not counted as read: leave them out.
	lines := slices.DeleteFunc(bytes.Split(data, []byte("\n")), func(l []byte) bool { return len(bytes.TrimSpace(l)) == 0 })
	for range b.N {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		heap := func(n int) float64 {
			src := &pacedReader{lines: lines, rate: 1 << 30, n: n}
			s, fd := runFeed(b, src, nil)
			if s.Requests+s.Skipped != int64(n) {
				b.Fatalf("read %d of %d lines", s.Requests+s.Skipped, n)
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			// The feed's own state (groups, rates, recent requests) counts: it is what a
			// running dashboard holds.
			runtime.KeepAlive(s)
			runtime.KeepAlive(fd)
			return float64(ms.HeapAlloc-base.HeapAlloc) / (1 << 20)
		}
		b.ReportMetric(heap(100000), "MiB-after-100k")
		b.ReportMetric(heap(1000000), "MiB-after-1M")
	}
}
