//go:build cgo

package bindings

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// TestConcurrentStreams runs 1,000 streams at once, each owned by its own
// goroutine as a connection's stream is owned by its event loop. All are
// made before any compresses, so they are alive together; each stream's
// output is decoded message by message. Under -race this also proves the
// Rust side shares no unsynchronised state between handles.
func TestConcurrentStreams(t *testing.T) {
	const streams, perStream = 1000, 12
	all := codecs()
	var made, done sync.WaitGroup
	start := make(chan struct{})
	made.Add(streams)
	for i := range streams {
		done.Add(1)
		go func() {
			defer done.Done()
			c := all[i%len(all)]
			s, err := c.make()
			made.Done()
			if err != nil {
				t.Errorf("stream %d (%s): %v", i, c.name, err)
				return
			}
			defer s.Close()
			<-start
			r := rand.New(rand.NewPCG(uint64(i), 99))
			v := newVerifier(c.mode)
			var dst []byte
			for k := range perStream {
				msg := message(r, r.IntN(8<<10))
				out, err := s.Compress(dst[:0], msg)
				if err != nil {
					t.Errorf("stream %d (%s) message %d: %v", i, c.name, k, err)
					return
				}
				if err := v.check(msg, out); err != nil {
					t.Errorf("stream %d (%s) message %d: %v", i, c.name, k, err)
					return
				}
				dst = out
			}
			if err := v.finish(); err != nil {
				t.Errorf("stream %d (%s): %v", i, c.name, err)
			}
		}()
	}
	made.Wait()
	if n := liveHandles.Load(); n < streams {
		t.Fatalf("only %d handles alive, want %d", n, streams)
	}
	close(start)
	done.Wait()
}
