package interrupt

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestSecondSignalEndsTheProcess runs a child that cancels cleanly on the first signal and then
// hangs (as a stuck read would): the second signal must end it.
func TestSecondSignalEndsTheProcess(t *testing.T) {
	if os.Getenv("HIGRESS_AI_TEST_INTERRUPT_CHILD") == "1" {
		ctx, stop := Context(context.Background())
		defer stop()
		fmt.Println("ready")
		<-ctx.Done()
		fmt.Println("cancelled")
		for {
			time.Sleep(time.Hour)
		}
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSecondSignalEndsTheProcess$")
			cmd.Env = append(os.Environ(), "HIGRESS_AI_TEST_INTERRUPT_CHILD=1")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			guard := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
			defer guard.Stop()
			lines := bufio.NewScanner(out)
			expect := func(want string) {
				t.Helper()
				if !lines.Scan() || lines.Text() != want {
					t.Fatalf("child said %q (%v), want %q", lines.Text(), lines.Err(), want)
				}
			}
			expect("ready")
			_ = cmd.Process.Signal(sig)
			expect("cancelled") // the first signal cancels the context, and the child lives on
			_ = cmd.Process.Signal(sig)
			err = cmd.Wait()
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !ok || !ws.Signaled() || ws.Signal() != sig {
				t.Fatalf("child ended with %v (%v), want killed by %v: the second signal was swallowed", cmd.ProcessState, err, sig)
			}
		})
	}
}
