package usage

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/higress-ai/higress-ai/internal/usage/usagetest"
)

func benchLog(b *testing.B, n int) []byte {
	var buf bytes.Buffer
	if _, err := usagetest.Write(&buf, n, 1); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkParseLine(b *testing.B) {
	lines := bytes.Split(benchLog(b, 1000), []byte("\n"))
	var size int64
	for _, l := range lines {
		size += int64(len(l)) + 1
	}
	b.SetBytes(size / int64(len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	p := NewParser()
	for i := 0; i < b.N; i++ {
		p.Parse(lines[i%len(lines)])
	}
}

// BenchmarkAggregate reads a 10,000-line log from memory into groups by consumer and model.
func BenchmarkAggregate(b *testing.B) {
	data := benchLog(b, 10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		agg := NewAggregator([]Dim{ByConsumer, ByModel}, nil)
		if err := Collect(context.Background(), []Source{FileSource{Path: "-", Stdin: bytes.NewReader(data)}}, false, Filter{}, agg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCollectFile reads a 100,000-line log file as `usage --log-file` does: blocks of whole
// lines parsed on every core.
func BenchmarkCollectFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "access.log")
	if err := os.WriteFile(path, benchLog(b, 100000), 0o600); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		agg := NewAggregator([]Dim{ByConsumer, ByModel}, nil)
		if err := Collect(context.Background(), []Source{FileSource{Path: path}}, false, Filter{}, agg); err != nil {
			b.Fatal(err)
		}
		if agg.Requests == 0 {
			b.Fatal("no requests read")
		}
	}
}
