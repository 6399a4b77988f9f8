package commands

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// envPTYMain makes the test binary run the command line instead of the tests: the child process of
// a pseudo-terminal test.
const envPTYMain = "HIGRESS_AI_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envPTYMain) == "1" {
		os.Exit(Main())
	}
	os.Exit(m.Run())
}

// openPTY opens a pseudo-terminal pair: the master the test reads and writes, the slave the
// command gets as its terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// lockedBuffer collects what the terminal shows.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// onTerminal runs the command line with stdin and stderr on a real pseudo-terminal, types answer
// once the confirmation is asked, and returns the exit code and what the terminal showed.
func onTerminal(t *testing.T, answer string, args ...string) (int, string) {
	t.Helper()
	master, slave := openPTY(t)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envPTYMain+"=1", "NO_COLOR=1")
	cmd.Stdin, cmd.Stderr = slave, slave
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var screen lockedBuffer
	read := make(chan struct{})
	go func() { _, _ = screen.ReadFrom(master); close(read) }()
	if answer != "" {
		deadline := time.Now().Add(time.Minute)
		for !strings.Contains(screen.String(), "[y/N]") {
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				t.Fatalf("no question asked; the terminal shows %q", screen.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := master.WriteString(answer); err != nil {
			t.Fatal(err)
		}
	}
	err := cmd.Wait()
	<-read // the terminal is drained once the last holder of its slave side has exited
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, screen.String() + stdout.String()
}

func (b *lockedBuffer) ReadFrom(f *os.File) (int64, error) {
	var total int64
	p := make([]byte, 4096)
	for {
		n, err := f.Read(p)
		if n > 0 {
			_, _ = b.Write(p[:n])
			total += int64(n)
		}
		if err != nil {
			return total, err
		}
	}
}

func TestConfirmationsOnARealTerminal(t *testing.T) {
	cases := []struct {
		name     string
		answer   string
		args     []string
		wantCode int
		removed  bool
		screen   string
	}{
		{"declined", "n\n", []string{"consumer", "remove", "legacy", "--force"}, 2, false, "error: cancelled"},
		{"accepted", "y\n", []string{"consumer", "remove", "legacy", "--force"}, 0, true, "wasmplugin.extensions.higress.io/key-auth.internal configured"},
		{"--yes asks nothing", "", []string{"consumer", "remove", "legacy", "--force", "--yes"}, 0, true, "configured"},
		{"last consumer declined", "no\n", []string{"route", "unbind", "gpt-4o", "-c", "alice"}, 2, false, "Route gpt-4o will allow nobody"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := gitops(t)
			code, screen := onTerminal(t, tc.answer, append(tc.args, "--dir", tf.Dir)...)
			if code != tc.wantCode || !strings.Contains(screen, tc.screen) {
				t.Fatalf("exit %d, want %d; the terminal shows:\n%s", code, tc.wantCode, screen)
			}
			if tc.answer == "" && strings.Contains(screen, "[y/N]") {
				t.Fatalf("asked despite --yes:\n%s", screen)
			}
			if gone := !strings.Contains(tf.ReadFile(t, "key-auth.yaml"), "name: legacy"); gone != tc.removed {
				t.Fatalf("removed = %v, want %v", gone, tc.removed)
			}
		})
	}
}
