package usage

import (
	"context"
	"sync"
	"time"
)

// Batch is what Stream delivers at a time: the requests parsed since the last batch that passed
// the filter, in the order each source read them, and how many lines were not JSON objects.
type Batch struct {
	Records []Record
	Skipped int64
}

// StreamOptions tune Stream; the zero value is the default.
type StreamOptions struct {
	Filter Filter
	// Every is how often what came is sent (default 100 ms).
	Every time.Duration
	// MaxBatch bounds the records of a batch (default 65,536).
	MaxBatch int
}

// Defaults of StreamOptions.
const (
	DefaultStreamEvery    = 100 * time.Millisecond
	DefaultStreamMaxBatch = 65536
)

// lastBatchWait is how long Stream, cancelled, waits for the receiver to take the last batch.
const lastBatchWait = time.Second

// Stream follows the sources and sends their requests to out in batches: every Every, what came
// since the last batch (nothing while nothing came), and at once a batch that holds MaxBatch
// records. While the receiver has not taken a full batch the sources wait: a slow receiver slows
// their reading down, and memory stays bounded.
//
// Every source is followed (Read with follow): a plain file is tailed and never ends, nor do pod
// logs; standard input and a gzipped file end at their end. Stream closes out and returns
//   - when every source ended: after sending what came, with nil;
//   - at the first error of a source: after stopping the others and sending what came, with that
//     error;
//   - when ctx is cancelled: after stopping the sources, with nil (or the error of a source that
//     failed first). What came before ctx was cancelled is still sent to a receiver that keeps
//     receiving until out is closed; one that stopped receiving does not hold Stream up (it
//     waits a second at most, then drops it).
//
// This is the feed of a live view; Collect is the faster way to a report.
func Stream(ctx context.Context, sources []Source, opts StreamOptions, out chan<- Batch) error {
	defer close(out)
	every := opts.Every
	if every <= 0 {
		every = DefaultStreamEvery
	}
	maxBatch := opts.MaxBatch
	if maxBatch <= 0 {
		maxBatch = DefaultStreamMaxBatch
	}
	st := &streamer{max: maxBatch, full: make(chan struct{}, 1)}
	st.room = sync.NewCond(&st.mu)
	// Reading stops when ctx is cancelled or Stream returns; sources waiting for room then return.
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	defer context.AfterFunc(readCtx, st.wake)()
	ended := make(chan error, 1)
	go func() {
		ended <- readEach(readCtx, sources, true, func() (func() func([]byte), func()) {
			return func() func([]byte) {
				// Each goroutine of a source parses with a parser of its own.
				p := NewParser()
				return func(line []byte) {
					r, kind := p.Parse(line)
					st.add(readCtx, &r, kind, opts.Filter)
				}
			}, func() {}
		})
	}()

	// cancelled stops the sources and offers what came, b first.
	cancelled := func(b Batch) error {
		stopReading()
		err := <-ended
		rest, _ := st.take()
		offer(out, b, rest)
		return err
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-st.full:
		case err := <-ended:
			// Every source ended, or one failed and the others stopped.
			if b, ok := st.take(); ok {
				select {
				case out <- b:
				case <-ctx.Done():
					offer(out, b)
				}
			}
			return err
		case <-ctx.Done():
			return cancelled(Batch{})
		}
		if b, ok := st.take(); ok {
			select {
			case out <- b:
			case <-ctx.Done():
				return cancelled(b)
			}
		}
	}
}

// offer sends the batches that hold anything, if the receiver takes each within lastBatchWait.
func offer(out chan<- Batch, batches ...Batch) {
	timeout := time.NewTimer(lastBatchWait)
	defer timeout.Stop()
	for _, b := range batches {
		if len(b.Records) == 0 && b.Skipped == 0 {
			continue
		}
		select {
		case out <- b:
		case <-timeout.C:
			return
		}
	}
}

// streamer holds the batch being filled; sources wait while it is full.
type streamer struct {
	mu   sync.Mutex
	room *sync.Cond
	cur  Batch
	max  int
	full chan struct{} // a batch is full (buffered: one signal pending at most)
}

// add adds a parsed line to the batch, waiting while it is full. Once ctx is done nothing is
// added: what was added is what Stream sends last.
func (s *streamer) add(ctx context.Context, r *Record, kind LineKind, filter Filter) {
	if kind == Blank || (kind == Request && !filter.keep(r)) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.cur.Records) >= s.max && ctx.Err() == nil {
		s.room.Wait()
	}
	if ctx.Err() != nil {
		return
	}
	if kind == Skipped {
		s.cur.Skipped++
		return
	}
	s.cur.Records = append(s.cur.Records, *r)
	if len(s.cur.Records) == s.max {
		select {
		case s.full <- struct{}{}:
		default:
		}
	}
}

// wake wakes the sources waiting for room.
func (s *streamer) wake() {
	s.mu.Lock()
	s.room.Broadcast()
	s.mu.Unlock()
}

// take returns the batch and starts a new one; ok is false when there is nothing to send.
func (s *streamer) take() (Batch, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.cur
	if len(b.Records) == 0 && b.Skipped == 0 {
		return b, false
	}
	s.cur = Batch{}
	s.room.Broadcast()
	return b, true
}
