//go:build !linux

package hosttest

import "time"

// threadCPU is not measured outside Linux: benchmarks report wall time only.
func threadCPU() (time.Duration, bool) { return 0, false }
