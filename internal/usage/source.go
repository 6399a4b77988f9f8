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
	"slices"
	"sync"
	"time"
)

// Source yields access-log lines: to the end, or following new lines until ctx is cancelled.
type Source interface {
	// Name says where the lines come from, for messages.
	Name() string
	// Read passes every line, without its line ending, to a line function made by newLine. Read
	// calls newLine itself (never two at once), once for every goroutine it reads on (a source
	// may read several streams at once: one per pod); each function is called by that goroutine
	// only, never after Read returns, and must not keep line. Read returns soon after ctx is
	// cancelled; followed, that is how it ends, without an error.
	Read(ctx context.Context, follow bool, newLine func() func(line []byte)) error
}

// maxLine is the longest line read; a longer one is an error, not a silent truncation.
const maxLine = 64 << 20

// readBuffer is the default size of a source's read buffer.
const readBuffer = 256 << 10

// readLines calls fn for each line of r, transparently gunzipping, with a read buffer of size
// bytes (0: readBuffer).
func readLines(r io.Reader, size int, fn func([]byte)) error {
	if size <= 0 {
		size = readBuffer
	}
	br := bufio.NewReaderSize(r, size)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, size)
	}
	return scanLines(br, fn)
}

// scanLines reads complete lines; at EOF a final line without newline is passed too.
func scanLines(br *bufio.Reader, fn func([]byte)) error {
	var lr lineReader
	if _, err := lr.read(br, fn); err != nil {
		return err
	}
	lr.end(fn)
	return nil
}

// readBlocks reads r, transparently gunzipping, in blocks of whole lines: it fills a buffer from
// get and passes put the part up to its last newline; the rest starts the next block. A line
// longer than a block makes the block grow, up to maxLine; at EOF a final line without newline is
// passed too. Blocks are cut by bytes only: blank lines cannot make one grow.
func readBlocks(r io.Reader, get func() []byte, put func([]byte)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		defer zr.Close()
		src = zr
	}
	var carry []byte
	for {
		buf := append(get(), carry...)
		if room := cap(buf) - len(buf); room == 0 || room < len(carry) {
			buf = slices.Grow(buf, max(len(buf), 1))
		}
		n, err := io.ReadFull(src, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch err {
		case nil:
		case io.EOF, io.ErrUnexpectedEOF:
			if len(buf) > 0 {
				put(buf)
			}
			return nil
		default:
			return err
		}
		k := bytes.LastIndexByte(buf, '\n')
		if k < 0 {
			if len(buf) > maxLine {
				return fmt.Errorf("a line longer than %d MiB", maxLine>>20)
			}
			carry = buf // not passed on: the next block starts with all of it
			continue
		}
		carry = append(carry[:0], buf[k+1:]...)
		put(buf[:k+1])
	}
}

// eachLine calls fn for every line of a block from readBlocks, without its line ending.
func eachLine(block []byte, fn func([]byte)) {
	for len(block) > 0 {
		k := bytes.IndexByte(block, '\n')
		if k < 0 {
			fn(trimEOL(block))
			return
		}
		fn(trimEOL(block[:k+1]))
		block = block[k+1:]
	}
}

// lineReader splits what a bufio.Reader reads into lines: a line longer than the reader's buffer
// is put together in rest, and so is the start of a line whose end has not been written yet.
type lineReader struct {
	rest []byte
}

// read passes on every line that is complete before EOF and returns the bytes it consumed; an
// unterminated rest waits for the next read (a followed file) or end.
func (lr *lineReader) read(br *bufio.Reader, fn func([]byte)) (int64, error) {
	var n int64
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		if err == nil {
			line := chunk
			if lr.rest != nil {
				line = append(lr.rest, chunk...)
				lr.rest = nil
			}
			fn(trimEOL(line))
			continue
		}
		if len(chunk) > 0 {
			if len(lr.rest)+len(chunk) > maxLine {
				return n, fmt.Errorf("a line longer than %d MiB", maxLine>>20)
			}
			lr.rest = append(lr.rest, chunk...)
		}
		switch err {
		case bufio.ErrBufferFull:
		case io.EOF:
			return n, nil
		default:
			return n, err
		}
	}
}

// end passes on the rest as the last line, when there is one.
func (lr *lineReader) end(fn func([]byte)) {
	if len(lr.rest) > 0 {
		fn(trimEOL(lr.rest))
	}
	lr.rest = nil
}

// trimEOL removes a line ending: \n or \r\n (or a final \r, at the end of a file).
func trimEOL(line []byte) []byte {
	return bytes.TrimSuffix(bytes.TrimSuffix(line, []byte{'\n'}), []byte{'\r'})
}

// ctxReader stops reading once ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// FileSource reads a log file ("-": standard input); gzip is detected and read transparently.
// Followed, a plain file is read like tail -F and never ends; standard input and a gzipped file
// are read to their end.
type FileSource struct {
	Path  string
	Stdin io.Reader
	// Poll is how often a followed file is checked for new lines (default 250 ms).
	Poll time.Duration
	// bufSize is the read buffer's size (0: readBuffer); tests make it small to have long lines.
	bufSize int
}

func (s FileSource) Name() string {
	if s.Path == "-" {
		return "standard input"
	}
	return s.Path
}

func (s FileSource) Read(ctx context.Context, follow bool, newLine func() func([]byte)) error {
	fn := newLine()
	return s.read(ctx, follow, func(r io.Reader) error { return readLines(r, s.bufSize, fn) }, fn)
}

// readBlocks reads the source to its end in blocks of whole lines (see readBlocks): what Collect
// parses on every core without copying lines one at a time.
func (s FileSource) readBlocks(ctx context.Context, get func() []byte, put func([]byte)) error {
	return s.read(ctx, false, func(r io.Reader) error { return readBlocks(r, get, put) }, nil)
}

// read opens the source and reads it with readAll, or (followed, a plain file) passes each line to
// fn until ctx is cancelled.
func (s FileSource) read(ctx context.Context, follow bool, readAll func(io.Reader) error, fn func([]byte)) error {
	if s.Path == "-" {
		return readStdin(ctx, s.Stdin, readAll)
	}
	f, err := os.Open(s.Path)
	if err != nil {
		return fmt.Errorf("cannot read log file %s: %w", s.Path, unwrapPath(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fmt.Errorf("cannot read log file %s: is a directory", s.Path)
	}
	var magic [2]byte
	n, _ := f.ReadAt(magic[:], 0)
	gzipped := n == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	// A compressed log is a rotated one: nothing is appended to it, so it is read to the end.
	if !follow || gzipped {
		err := readAll(ctxReader{ctx, f})
		switch {
		case ctx.Err() != nil:
			return nil // stopped by the caller
		case err != nil:
			return fmt.Errorf("reading %s: %w", s.Path, unwrapPath(err))
		}
		return nil
	}
	return s.follow(ctx, f, fn)
}

// readStdin reads standard input to its end with readAll, or until ctx is cancelled. A read of a
// pipe cannot be interrupted, so r is read on a goroutine of its own, which ends at its next read
// after ctx is cancelled; lines are passed on from the caller's goroutine only, and not after
// readStdin returns.
func readStdin(ctx context.Context, r io.Reader, readAll func(io.Reader) error) error {
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, r)
		pw.CloseWithError(err)
	}()
	defer pr.Close()
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(context.Canceled) })
	defer stop()
	err := readAll(pr)
	switch {
	case ctx.Err() != nil:
		return nil // stopped by the caller
	case err != nil:
		return fmt.Errorf("reading standard input: %w", err)
	}
	return nil
}

// follow reads a plain file like tail -F: to the end, then new lines as they are appended; a file
// truncated or replaced (log rotation) is read again from its start.
func (s FileSource) follow(ctx context.Context, f *os.File, fn func([]byte)) error {
	poll := s.Poll
	if poll == 0 {
		poll = 250 * time.Millisecond
	}
	size := s.bufSize
	if size <= 0 {
		size = readBuffer
	}
	var offset int64
	var lr lineReader
	br := bufio.NewReaderSize(f, size)
	for {
		n, err := lr.read(br, fn)
		offset += n
		if err != nil {
			return fmt.Errorf("reading %s: %w", s.Path, unwrapPath(err))
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
				f, offset, lr = nf, 0, lineReader{}
				br.Reset(f)
			}
		}
	}
}

// unwrapPath drops the operation and the path of a *PathError, which the message names already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
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

// Collect reads every source concurrently into the aggregator. Read to the end, lines are parsed
// on every core in batches and the partial results merged; followed, each line is added as it
// comes. It ends when every source ended, or at the first error of a source: the others are
// stopped and that error returned. Read to the end and cancelled, it returns ctx's error: what
// the aggregator holds is not the whole.
func Collect(ctx context.Context, sources []Source, follow bool, filter Filter, agg *Aggregator) error {
	return collectBatched(ctx, sources, follow, filter, agg, batchSize)
}

// collectBatched is Collect with batches of batchBytes (tests make them small).
func collectBatched(ctx context.Context, sources []Source, follow bool, filter Filter, agg *Aggregator, batchBytes int) error {
	if follow {
		var mu sync.Mutex
		return readEach(ctx, sources, true, func() (func() func([]byte), func()) {
			return func() func([]byte) {
				p := NewParser()
				return func(line []byte) {
					r, kind := p.Parse(line)
					mu.Lock()
					defer mu.Unlock()
					add(agg, &r, kind, filter)
				}
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
				if b.block {
					eachLine(b.data, func(line []byte) {
						r, kind := p.Parse(line)
						add(part, &r, kind, filter)
					})
				}
				start := 0
				for _, end := range b.ends {
					r, kind := p.Parse(b.data[start:end])
					add(part, &r, kind, filter)
					start = end
				}
				b.data, b.ends, b.block = b.data[:0], b.ends[:0], false
				select {
				case free <- b:
				default:
				}
			}
		}(parts[w])
	}
	// A source that can read blocks of whole lines passes them on as they are (no line copied).
	read := make([]Source, len(sources))
	for i, s := range sources {
		read[i] = s
		if bs, ok := s.(blockSource); ok {
			read[i] = blocks{bs, &batcher{out: batches, free: free, size: batchBytes}}
		}
	}
	err := readEach(ctx, read, false, func() (func() func([]byte), func()) {
		// One batcher a source, whatever the number of its goroutines: its memory does not grow
		// with the number of pods.
		b := &batcher{out: batches, free: free, size: batchBytes}
		return func() func([]byte) { return b.add }, b.flush
	})
	close(batches)
	wg.Wait()
	for _, p := range parts {
		agg.Merge(p)
	}
	if err == nil {
		err = ctx.Err()
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

// readEach reads every source on a goroutine of its own, with what forSource makes for it: the
// newLine function its Read gets, and a function called when its Read returned. At the first
// error of a source it stops the others, and returns that error once all returned.
func readEach(ctx context.Context, sources []Source, follow bool, forSource func() (newLine func() func([]byte), done func())) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for _, s := range sources {
		newLine, done := forSource()
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Read(ctx, follow, newLine)
			done()
			if err != nil {
				once.Do(func() { first = err })
				cancel()
			}
		}()
	}
	wg.Wait()
	return first
}

// batchSize is how many bytes of lines a parsing goroutine gets at a time, batchLines how many
// lines at most.
const (
	batchSize  = 1 << 20
	batchLines = 1 << 14
)

type batch struct {
	data  []byte
	ends  []int // where each line ends; none for a block of lines (block)
	block bool  // data is whole lines with their line endings, from readBlocks
}

// blockSource is a source that reads to its end in blocks of whole lines (see readBlocks).
type blockSource interface {
	Source
	readBlocks(ctx context.Context, get func() []byte, put func([]byte)) error
}

// batcher copies one source's lines into batches of about size bytes for the parsing
// goroutines. A source may call it from several goroutines (one per pod), hence the lock.
type batcher struct {
	mu   sync.Mutex
	cur  *batch
	size int
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
			b.cur = &batch{data: make([]byte, 0, b.size+b.size/16)}
		}
	}
	b.cur.data = append(b.cur.data, line...)
	b.cur.ends = append(b.cur.ends, len(b.cur.data))
	// Cut by lines too: blank lines add no data, and a batch of them would grow without end.
	if len(b.cur.data) >= b.size || len(b.cur.ends) >= batchLines {
		b.out <- b.cur
		b.cur = nil
	}
}

// blocks reads a block source through a batcher: a Source for readEach.
type blocks struct {
	src blockSource
	b   *batcher
}

func (s blocks) Name() string { return s.src.Name() }

func (s blocks) Read(ctx context.Context, _ bool, _ func() func([]byte)) error {
	return s.src.readBlocks(ctx, s.b.get, s.b.put)
}

// get returns an empty buffer for a block, put passes a block on: for a block source, which reads
// on one goroutine.
func (b *batcher) get() []byte {
	select {
	case bt := <-b.free:
		return bt.data[:0]
	default:
		return make([]byte, 0, b.size)
	}
}

func (b *batcher) put(block []byte) { b.out <- &batch{data: block, block: true} }

func (b *batcher) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur != nil && len(b.cur.ends) > 0 {
		b.out <- b.cur
	}
	b.cur = nil
}

func asURLError(err error, target **url.Error) bool { return errors.As(err, target) }
