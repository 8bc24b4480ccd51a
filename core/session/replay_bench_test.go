package session

import (
	"bytes"
	"testing"
)

// BenchmarkDispatchFanout is the hub's hot path without the network: one
// 400-byte payload dispatched to each of 1,000 detached sessions in turn,
// their replay rings full (1,000 dispatches each), so every push evicts the
// oldest entry of a ring that is out of cache, as in a burst to a big guild.
// ns/op is per delivery.
func BenchmarkDispatchFanout(b *testing.B) {
	const sessions, keep = 1000, 1000
	ss := make([]*Session, sessions)
	for i := range ss {
		ss[i] = &Session{replay: newReplay(keep, 1<<20)}
	}
	d := bytes.Repeat([]byte("x"), 400)
	for range keep {
		for _, s := range ss {
			s.Dispatch("MESSAGE_CREATE", d)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		ss[i%sessions].Dispatch("MESSAGE_CREATE", d)
	}
}
