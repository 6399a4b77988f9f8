package usage

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"sync"
	"time"
)

// Source yields access-log lines: to the end, or following new lines until ctx is cancelled.
type Source interface {
	// Name says where the lines come from, for messages.
	Name() string
	// Read calls fn for every line, without its line ending. fn may be called from several
	// goroutines at once (a source may read several streams) and must not keep line.
	Read(ctx context.Context, follow bool, fn func(line []byte)) error
}

// maxLine is the longest line read; a longer one is an error, not a silent truncation.
const maxLine = 64 << 20

// readLines calls fn for each line of r, transparently gunzipping.
func readLines(r io.Reader, fn func([]byte)) error {
	br := bufio.NewReaderSize(r, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 256<<10)
	}
	_, err := scanLines(br, fn)
	return err
}

// scanLines reads complete lines; at EOF a final line without newline is passed too. It returns
// how many bytes it consumed.
func scanLines(br *bufio.Reader, fn func([]byte)) (int64, error) {
	var long []byte
	var n int64
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		switch {
		case err == bufio.ErrBufferFull:
			if len(long)+len(chunk) > maxLine {
				return n, fmt.Errorf("a line longer than %d MiB", maxLine>>20)
			}
			long = append(long, chunk...)
			continue
		case err != nil && err != io.EOF:
			return n, err
		}
		line := chunk
		if long != nil {
			line = append(long, chunk...)
			long = nil
		}
		if len(line) > 0 {
			fn(bytes.TrimSuffix(bytes.TrimSuffix(line, []byte{'\n'}), []byte{'\r'}))
		}
		if err == io.EOF {
			return n, nil
		}
	}
}

// FileSource reads a log file ("-": standard input); gzip is detected and read transparently.
// Followed, a plain file is read like tail -F; standard input and a gzipped file are read to
// their end.
type FileSource struct {
	Path  string
	Stdin io.Reader
	// Poll is how often a followed file is checked for new lines (default 250 ms).
	Poll time.Duration
}

func (s FileSource) Name() string {
	if s.Path == "-" {
		return "standard input"
	}
	return s.Path
}

func (s FileSource) Read(ctx context.Context, follow bool, fn func([]byte)) error {
	if s.Path == "-" {
		return readLines(s.Stdin, fn)
	}
	f, err := os.Open(s.Path)
	if err != nil {
		return fmt.Errorf("cannot read log file: %w", unwrapPath(err))
	}
	defer f.Close()
	var magic [2]byte
	n, _ := f.ReadAt(magic[:], 0)
	gzipped := n == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	// A compressed log is a rotated one: nothing is appended to it, so it is read to the end.
	if !follow || gzipped {
		if err := readLines(f, fn); err != nil {
			return fmt.Errorf("reading %s: %w", s.Path, err)
		}
		return nil
	}
	return s.follow(ctx, f, fn)
}

// follow reads a plain file like tail -f: to the end, then new lines as they are appended; a file
// truncated or replaced (log rotation) is read again from its start.
func (s FileSource) follow(ctx context.Context, f *os.File, fn func([]byte)) error {
	poll := s.Poll
	if poll == 0 {
		poll = 250 * time.Millisecond
	}
	var offset int64
	var partial []byte
	br := bufio.NewReaderSize(f, 256<<10)
	for {
		for {
			chunk, err := br.ReadSlice('\n')
			if err == nil {
				offset += int64(len(chunk))
				line := chunk
				if partial != nil {
					line = append(partial, chunk...)
					partial = nil
				}
				fn(bytes.TrimRight(line, "\r\n"))
				continue
			}
			if len(chunk) > 0 {
				offset += int64(len(chunk))
				if len(partial)+len(chunk) > maxLine {
					return fmt.Errorf("reading %s: a line longer than %d MiB", s.Path, maxLine>>20)
				}
				partial = append(partial, chunk...)
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != io.EOF {
				return fmt.Errorf("reading %s: %w", s.Path, err)
			}
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
		if st, err := os.Stat(s.Path); err == nil {
			cur, _ := f.Stat()
			if !os.SameFile(st, cur) || st.Size() < offset {
				nf, err := os.Open(s.Path)
				if err != nil {
					continue
				}
				f.Close()
				f, offset, partial = nf, 0, nil
				br.Reset(f)
			}
		}
	}
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// Filter keeps the requests that started in [Since, Until); a zero bound is open. Requests without
// a start time are kept.
type Filter struct {
	Since, Until time.Time
}

func (f Filter) keep(r *Record) bool {
	if r.Time.IsZero() {
		return true
	}
	return (f.Since.IsZero() || !r.Time.Before(f.Since)) && (f.Until.IsZero() || r.Time.Before(f.Until))
}

// Collect reads every source concurrently into the aggregator and returns the first error of any
// source, after all ended. Read to the end, lines are parsed on every core in batches and the
// partial results merged; followed, each line is added as it comes.
func Collect(ctx context.Context, sources []Source, follow bool, filter Filter, agg *Aggregator) error {
	if follow {
		var mu sync.Mutex
		return readEach(ctx, sources, true, func() (func([]byte), func()) {
			return func(line []byte) {
				r, kind := ParseLine(line)
				mu.Lock()
				defer mu.Unlock()
				add(agg, &r, kind, filter)
			}, func() {}
		})
	}
	workers := runtime.GOMAXPROCS(0)
	batches := make(chan *batch, workers)
	free := make(chan *batch, 2*workers)
	parts := make([]*Aggregator, workers)
	var wg sync.WaitGroup
	for w := range parts {
		parts[w] = agg.fork()
		wg.Add(1)
		go func(part *Aggregator) {
			defer wg.Done()
			p := NewParser()
			for b := range batches {
				start := 0
				for _, end := range b.ends {
					r, kind := p.Parse(b.data[start:end])
					add(part, &r, kind, filter)
					start = end
				}
				b.data, b.ends = b.data[:0], b.ends[:0]
				select {
				case free <- b:
				default:
				}
			}
		}(parts[w])
	}
	err := readEach(ctx, sources, false, func() (func([]byte), func()) {
		b := &batcher{out: batches, free: free}
		return b.add, b.flush
	})
	close(batches)
	wg.Wait()
	for _, p := range parts {
		agg.Merge(p)
	}
	return err
}

func add(a *Aggregator, r *Record, kind LineKind, f Filter) {
	switch {
	case kind == Skipped:
		a.Skipped++
	case kind == Request && f.keep(r):
		a.Add(r)
	}
}

// readEach reads every source on a goroutine of its own, with the line function and the
// end-of-source function newFn makes for it.
func readEach(ctx context.Context, sources []Source, follow bool, newFn func() (line func([]byte), done func())) error {
	var wg sync.WaitGroup
	errs := make([]error, len(sources))
	for i, s := range sources {
		fn, done := newFn()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Read(ctx, follow, fn)
			done()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// batchSize is how many bytes of lines a parsing goroutine gets at a time.
const batchSize = 1 << 20

type batch struct {
	data []byte
	ends []int
}

// batcher copies one source's lines into batches for the parsing goroutines. A source may call it
// from several goroutines (one per pod), hence the lock.
type batcher struct {
	mu   sync.Mutex
	cur  *batch
	out  chan<- *batch
	free chan *batch
}

func (b *batcher) add(line []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur == nil {
		select {
		case b.cur = <-b.free:
		default:
			b.cur = &batch{data: make([]byte, 0, batchSize+64<<10)}
		}
	}
	b.cur.data = append(b.cur.data, line...)
	b.cur.ends = append(b.cur.ends, len(b.cur.data))
	if len(b.cur.data) >= batchSize {
		b.out <- b.cur
		b.cur = nil
	}
}

func (b *batcher) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur != nil && len(b.cur.ends) > 0 {
		b.out <- b.cur
	}
	b.cur = nil
}

func asURLError(err error, target **url.Error) bool { return errors.As(err, target) }
