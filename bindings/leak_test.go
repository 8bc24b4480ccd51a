//go:build cgo

package bindings

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// rssBytes is this process's resident set, from /proc/self/statm.
func rssBytes(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm: %v", err)
	}
	fields := strings.Fields(string(b))
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}

// settle returns freed memory to the OS on the Go side so RSS reflects
// what is really held.
func settle() {
	runtime.GC()
	debug.FreeOSMemory()
}

// TestNoLeakAcross100kStreams makes, uses and frees 100,000 streams of
// every kind. A stream holds 150 KB to 1.4 MB, so leaking even one in a
// hundred would grow RSS by hundreds of megabytes; the bound allows for
// allocator caches and nothing more. RSS is also watched along the way so
// a real leak stops the test long before it could exhaust the machine.
func TestNoLeakAcross100kStreams(t *testing.T) {
	const total, warmup = 100_000, 2_000
	const maxGrowth = 64 << 20
	all := codecs()
	msg := []byte(`{"t":"MESSAGE_CREATE","s":1,"op":0,"d":{"content":"hello"}}`)
	dst := make([]byte, 0, 4096)
	use := func(i int) {
		s, err := all[i%len(all)].make()
		if err != nil {
			t.Fatal(err)
		}
		// Compress so libzstd allocates its lazy workspace too.
		if _, err := s.Compress(dst[:0], msg); err != nil {
			t.Fatal(err)
		}
		if s.StateBytes() == 0 {
			t.Fatal("live stream reports no state")
		}
		s.Close()
	}
	live := liveHandles.Load()
	for i := range warmup {
		use(i)
	}
	settle()
	base := rssBytes(t)
	for i := range total {
		use(i)
		if i%1000 == 999 && rssBytes(t)-base > 2*maxGrowth {
			t.Fatalf("RSS grew by %d MiB after %d streams; something leaks",
				(rssBytes(t)-base)>>20, i+1)
		}
	}
	settle()
	after := rssBytes(t)
	t.Logf("RSS after %d warm-up streams: %d KiB; after %d more: %d KiB (growth %d KiB)",
		warmup, base>>10, total, after>>10, (after-base)>>10)
	if after-base > maxGrowth {
		t.Errorf("RSS grew by %d MiB over %d streams; something leaks", (after-base)>>20, total)
	}
	if n := liveHandles.Load(); n != live {
		t.Errorf("%d handles still live", n-live)
	}
}

// TestFinalizerFreesDroppedStreams drops streams without Close and checks
// the finalizer frees every handle.
func TestFinalizerFreesDroppedStreams(t *testing.T) {
	live := liveHandles.Load()
	for i := range 200 {
		if _, err := codecs()[i%6].make(); err != nil {
			t.Fatal(err)
		}
	}
	for range 50 {
		if liveHandles.Load() == live {
			return
		}
		runtime.GC()
	}
	t.Fatalf("%d dropped handles were never freed", liveHandles.Load()-live)
}
