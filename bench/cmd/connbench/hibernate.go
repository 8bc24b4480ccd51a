package main

import (
	"context"
	"fmt"
	"time"
)

// waitHibernated waits, after the last READY, until the gateway's compact
// streams have gone to sleep, so that a compact mode is measured idle: at
// least compactIdle plus two ticks (the server checks idleness once a
// second), then until gatehouse_compact_hibernating reaches ready or stops
// rising (no new high for five readings a second apart), within limit.
//
// It does not insist on every stream: a message over 128 bytes wakes its
// stream (a heartbeat ACK does not: it goes out stored), and a tick puts
// at most 256 streams per loop to sleep. The reading reports how many
// slept. It returns how long it waited.
func (g *gateway) waitHibernated(ctx context.Context, compactIdle time.Duration, ready int64, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	select {
	case <-time.After(compactIdle + 2*time.Second):
	case <-ctx.Done():
		return time.Since(start), ctx.Err()
	}
	var high int64 = -1
	flat := 0
	for {
		m, err := g.metrics()
		if err != nil {
			return time.Since(start), err
		}
		h := int64(m["gatehouse_compact_hibernating"])
		if h > high {
			high, flat = h, 0
		} else {
			flat++
		}
		switch {
		case h >= ready || flat >= 5 && high > 0:
			return time.Since(start), nil
		case time.Since(start) > limit:
			if high <= 0 {
				return time.Since(start), fmt.Errorf("no compact stream hibernated within %s (server streams %q)", limit, g.streams)
			}
			return time.Since(start), nil
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		}
	}
}
