//go:build cgo

package bindings

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"gatehouse/core/compress"
)

// compactConn is one simulated connection of TestCompact10kConcurrentStreams:
// its stream, where its messages come from, and every output it produced.
type compactConn struct {
	s       compress.Compact
	record  func([]byte) // tells a windowed stream's log what it sent
	seed    uint64
	msgs    *rand.Rand // draws this connection's messages, in order
	sent    int
	out     []byte // outputs, concatenated
	offsets []int  // end of each output in out
	lastUse int    // op counter when last active, for the LRU hibernation
}

// TestCompact10kConcurrentStreams keeps 10,000 compact streams alive at
// once, spread over 8 goroutines that each own a pool and a share of the
// streams, as event loops do. Each goroutine drives its streams through
// random active phases (1–4 messages of up to 1.5 KB) and idle phases (Hibernate), and
// hibernates its least recently used stream whenever more than 16 are
// active, as the gateway's idle tick would. Every output is recorded and,
// once all goroutines are done, decoded message by message, per stream,
// by a reference decoder (Go's compress/zlib; klauspost's zstd). Run under -race it also
// shows that pools and streams of different goroutines share nothing.
func TestCompact10kConcurrentStreams(t *testing.T) {
	const loops, streams, maxActive, ops = 8, 10_000, 16, 2_500
	codecs := compactCodecs()
	t0 := time.Now()
	var wg sync.WaitGroup
	conns := make([][]*compactConn, loops)
	for l := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := codecs[l%len(codecs)]
			p, err := c.newPool()
			if err != nil {
				t.Error(err)
				return
			}
			defer p.Close()
			mine := make([]*compactConn, streams/loops)
			for i := range mine {
				s, record, err := c.open(p)
				if err != nil {
					t.Error(err)
					return
				}
				seed := uint64(l*streams + i)
				mine[i] = &compactConn{s: s, record: record, seed: seed, msgs: rand.New(rand.NewPCG(seed, 5))}
			}
			conns[l] = mine
			r := rand.New(rand.NewPCG(uint64(l), 77))
			var active []*compactConn
			var dst []byte
			for op := range ops {
				cc := mine[r.IntN(len(mine))]
				if r.IntN(4) == 0 {
					if err := cc.s.Hibernate(); err != nil {
						t.Errorf("loop %d: hibernate: %v", l, err)
						return
					}
					continue
				}
				for range 1 + r.IntN(4) {
					msg := message(cc.msgs, cc.msgs.IntN(1500))
					if dst, err = cc.s.Compress(dst[:0], msg); err != nil {
						t.Errorf("loop %d stream %d: %v", l, cc.seed, err)
						return
					}
					cc.record(msg)
					cc.out = append(cc.out, dst...)
					cc.offsets = append(cc.offsets, len(cc.out))
					cc.sent++
				}
				cc.lastUse = op
				active = activeAfter(active, cc)
				for len(active) > maxActive {
					oldest := 0
					for i, a := range active {
						if a.lastUse < active[oldest].lastUse {
							oldest = i
						}
					}
					if err := active[oldest].s.Hibernate(); err != nil {
						t.Errorf("loop %d: hibernate: %v", l, err)
						return
					}
					active = append(active[:oldest], active[oldest+1:]...)
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("compressing took %v", time.Since(t0))
	if t.Failed() {
		return
	}
	if n := liveHandles.Load(); n < streams {
		t.Fatalf("only %d handles alive, want %d", n, streams)
	}
	// Decode every stream, several at a time; each decoder lives only for
	// its stream, which keeps memory to a few decoders per goroutine.
	total := 0
	for l, mine := range conns {
		c := codecs[l%len(codecs)]
		total += verifyConns(t, c.mode, mine)
	}
	t.Logf("%d streams, %d messages, all decoded", streams, total)
}

// activeAfter is the list of active streams after cc sent: the previous
// list minus any that hibernated since, plus cc.
func activeAfter(prev []*compactConn, cc *compactConn) []*compactConn {
	out := make([]*compactConn, 0, len(prev)+1)
	for _, a := range prev {
		if a != cc && !a.s.Hibernating() {
			out = append(out, a)
		}
	}
	return append(out, cc)
}

// verifyConns decodes each connection's recorded outputs against its
// regenerated messages, in parallel, and closes its stream. The pools are
// closed by then, so Close only frees each stream and touches no pool from
// these goroutines.
func verifyConns(t *testing.T, mode compress.Mode, conns []*compactConn) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	work := make(chan *compactConn)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for cc := range work {
				msgs := rand.New(rand.NewPCG(cc.seed, 5))
				v := newVerifier(mode)
				v.decoders = v.decoders[:1] // one reference decoder keeps -race fast
				start := 0
				for k, end := range cc.offsets {
					msg := message(msgs, msgs.IntN(1500))
					if err := v.check(msg, cc.out[start:end]); err != nil {
						t.Errorf("stream %d message %d: %v", cc.seed, k, err)
						break
					}
					start = end
				}
				if err := v.finish(); err != nil {
					t.Errorf("stream %d: %v", cc.seed, err)
				}
				cc.s.Close()
				cc.out = nil
				mu.Lock()
				total += cc.sent
				mu.Unlock()
			}
		}()
	}
	for _, cc := range conns {
		work <- cc
	}
	close(work)
	wg.Wait()
	return total
}
