//go:build !linux

package memberlisttest

import "time"

var start = time.Now()

// ThreadCPU falls back to the monotonic wall clock where the thread CPU
// clock is not wired up.
func ThreadCPU() int64 { return int64(time.Since(start)) }
