//go:build linux

package main

import (
	"time"

	"golang.org/x/sys/unix"
)

// cpuClock says whether threadCPU measures CPU time (true here).
const cpuClock = true

// threadCPU is the CPU time the calling OS thread has used. With the
// goroutine locked to its thread it is what the goroutine (and the Rust
// code it calls through cgo, which runs on the same thread) cost, whatever
// else the shared machine is running.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}
