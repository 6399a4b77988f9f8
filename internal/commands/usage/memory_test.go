package usage

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

// memLogEnv names, in a child process of this test binary, the log it runs usage on (see
// TestMain): the child's peak memory is then the process's own, read by the parent.
const memLogEnv = "HIGRESS_AI_TEST_USAGE_MEMORY_LOG"

func TestMain(m *testing.M) {
	if path := os.Getenv(memLogEnv); path != "" {
		os.Exit(memoryChild(path))
	}
	os.Exit(m.Run())
}

// memoryChild runs `usage --log-file path -o json` as the command line would.
func memoryChild(path string) int {
	streams, _, _, _ := cmdutil.Test()
	streams.Out, streams.ErrOut = io.Discard, io.Discard
	f := &cmdutil.Factory{IO: streams, Flags: &cmdutil.GlobalFlags{}, Now: time.Now, Context: context.Background()}
	cmd := NewCmdUsage(f, nil)
	f.Flags.Bind(cmd.PersistentFlags())
	cmd.SetArgs([]string{"--log-file", path, "-o", "json"})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// blankLog writes a gzipped log of n newlines: a few KB that are millions of lines.
func blankLog(t *testing.T, n int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("blank-%d.log.gz", n))
	fh, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(fh, gzip.BestCompression)
	chunk := bytes.Repeat([]byte{'\n'}, 1<<20)
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := zw.Write(chunk[:k]); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// peakMiB runs usage on path in a child process and returns its peak resident memory.
func peakMiB(t *testing.T, path string) float64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), memLogEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("usage on %s: %v: %s", filepath.Base(path), err, stderr.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Fatal("no resource usage for the child process on this system")
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}

// A log of blank lines (a 2 MB .gz of newlines once took 22 GB) is read in flat memory: four
// times the lines take at most 16 MiB more (the garbage collector's slack, not the lines), and
// both stay under 100 MiB. (Before the fix: 150 and 590 MiB.)
func TestMemoryIsFlatOnBlankLines(t *testing.T) {
	small := peakMiB(t, blankLog(t, 4_000_000))
	big := peakMiB(t, blankLog(t, 16_000_000))
	t.Logf("peak memory: %.1f MiB at 4,000,000 blank lines, %.1f MiB at 16,000,000", small, big)
	if big > small+16 || big > 100 {
		t.Fatalf("memory grows with blank lines: %.1f MiB at 4,000,000, %.1f MiB at 16,000,000", small, big)
	}
}
