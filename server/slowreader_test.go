package server_test

import (
	"testing"
	"time"

	"gatehouse/internal/gatetest"
	"gatehouse/server"
)

// TestSlowReaderClosed: a client that stops reading while large dispatches
// keep coming is cut off once its outbound bytes pass MaxOutboundBytes,
// instead of being buffered without limit. Its session is detached (later
// dispatches are no longer queued for it) but stays resumable, since the
// client did nothing wrong but be slow.
func TestSlowReaderClosed(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, func(c *server.Config) {
		c.MaxOutboundBytes = 256 << 10
		c.CloseTimeout = 200 * time.Millisecond
	})
	g, s := rawIdentified(t, srv, rawQuery, 701)
	// 2000 dispatches of 16 KiB are 32 MiB: far more than MaxOutboundBytes
	// plus what the kernel's socket buffers can hold.
	const pad, sent = 16 << 10, 2000
	msg := rawMessage(0, pad)
	for i := 1; i <= sent; i++ {
		if !s.Dispatch("MESSAGE_CREATE", msg) {
			t.Fatal("session ended; a slow reader should stay resumable")
		}
		if i%8 == 0 {
			time.Sleep(time.Millisecond) // let the loop drain, as a real broadcaster would
		}
	}
	rawDetached(t, s)
	if srv.Manager().Get(s.ID) == nil {
		t.Fatal("slow reader's session ended; it should stay resumable")
	}
	// The client wakes up: it gets some of what was sent, then the
	// connection ends (a close frame if the server got it out, else EOF).
	got := 0
	for {
		m, err := g.Read(gatetest.Wait)
		if err != nil {
			if cf, ok := err.(*gatetest.CloseFrame); ok && cf.Code != 4000 {
				t.Fatalf("slow reader closed with %d %q, want 4000", cf.Code, cf.Reason)
			}
			if isTimeout(err) {
				t.Fatal("connection still open after the slow reader was detached")
			}
			break
		}
		if m.Op == 0 && m.Name() == "MESSAGE_CREATE" {
			got++
		}
	}
	t.Logf("dispatched %d × %d bytes; the client received %d before the cut", sent, len(msg), got)
	if got >= sent {
		t.Fatalf("client received all %d dispatches; nothing was cut off", sent)
	}
}

func isTimeout(err error) bool {
	te, ok := err.(interface{ Timeout() bool })
	return ok && te.Timeout()
}
