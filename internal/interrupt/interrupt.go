// Package interrupt turns the first SIGINT or SIGTERM into a cancelled context, so a command
// stops cleanly (a lock wait ends, nothing half-written stays), and lets the second one end the
// process at once, whatever it is doing: the way out when a clean stop does not come.
package interrupt

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Context returns a context cancelled by the first SIGINT or SIGTERM. By the time the context is
// done the signals have their default effect again, so the next one terminates the process. stop
// releases the signals early.
func Context(parent context.Context) (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-ch:
		case <-ctx.Done():
		}
		signal.Stop(ch) // no handler left: the default action (exit) is back, before anyone sees ctx done
		cancel()
	}()
	return ctx, cancel
}
