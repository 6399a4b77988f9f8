package hosttest

import (
	"syscall"
	"time"
)

// rusageThread is Linux's RUSAGE_THREAD: the calling thread only.
const rusageThread = 1

// threadCPU is the CPU time the calling OS thread has used, user and system. Benchmarks lock
// their goroutine to its thread and report this besides wall time: on a shared machine it does
// not count time spent waiting for a core, nor the host's own garbage collector, which runs on
// other threads (Envoy's host is C++ and has none).
func threadCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
