//go:build cgo

package bindings

import (
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// TestCompactMillionMessages is the long run: GATEHOUSE_COMPACT_MESSAGES
// messages in all (say 1000000) over every compact codec, on streams of
// 5,000 messages of 0 B to 16 KiB, each stream with its own hibernation
// rate between 0.5% and 50% of messages, decoded message by message by both
// reference decoders of each format. It is skipped unless the variable is
// set, because it takes minutes:
//
//	GATEHOUSE_COMPACT_MESSAGES=1000000 go test -run CompactMillion -timeout 1h ./bindings/
func TestCompactMillionMessages(t *testing.T) {
	total, _ := strconv.Atoi(os.Getenv("GATEHOUSE_COMPACT_MESSAGES"))
	if total <= 0 {
		t.Skip("set GATEHOUSE_COMPACT_MESSAGES to run")
	}
	const perStream = 5000
	codecs := compactCodecs()
	streams := (total + perStream - 1) / perStream
	var next, sent, hibernations atomic.Int64
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pools := make([]*CompactPool, len(codecs))
			for i, c := range codecs {
				p, err := c.newPool()
				if err != nil {
					t.Error(err)
					return
				}
				defer p.Close()
				pools[i] = p
			}
			for {
				k := int(next.Add(1)) - 1
				if k >= streams || t.Failed() {
					return
				}
				ci := k % len(codecs)
				r := rand.New(rand.NewPCG(uint64(k), uint64(w)))
				idle := 0.005 + r.Float64()*0.495
				msgs := make([][]byte, perStream)
				for i := range msgs {
					msgs[i] = message(r, min(messageSize(r), 16<<10))
				}
				n, err := compactRun(codecs[ci], pools[ci], msgs, idle, r)
				if err != nil {
					t.Errorf("stream %d: %v", k, err)
					return
				}
				sent.Add(perStream)
				hibernations.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	t.Logf("%d messages on %d streams, %d hibernations, all decoded", sent.Load(), streams, hibernations.Load())
}
