//go:build !linux

package main

import "time"

// cpuClock is false: without a thread CPU clock, threadCPU is wall time.
const cpuClock = false

var cpuStart = time.Now()

func threadCPU() time.Duration { return time.Since(cpuStart) }
