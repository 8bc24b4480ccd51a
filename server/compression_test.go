package server_test

import (
	"fmt"
	"testing"

	"gatehouse/bindings"
	"gatehouse/core/compress"
	"gatehouse/core/protocol"
	"gatehouse/internal/gatetest"
	"gatehouse/server/ws"
)

// rawCompression is the compressor every raw-socket test server uses: the
// Rust core, the one production runs.
func rawCompression() compress.Factory { return bindings.Rust() }

// rawCompressionPads are the sizes of the test dispatches: small ones, ones
// over the 1 KiB payload-compression threshold, and ones larger than zstd's
// 128 KiB block and deflate's 32 KiB window.
var rawCompressionPads = []int{0, 2000, 30, 40000, 0, 150000, 300}

// TestTransportCompressionLifecycle runs the whole session lifecycle under
// compress=zlib-stream and zstd-stream. Every server frame must be binary
// and decode, on arrival and on its own bytes, with compress/zlib or
// klauspost's zstd: Hello, READY, heartbeat ACKs, dispatches of every size,
// a server kick, a resume on a new compressed socket (a new stream) with the
// missed events replayed, RESUMED, and no gap in s.
func TestTransportCompressionLifecycle(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"zlib-stream", "zstd-stream"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			srv := rawStart(t, nil)
			query := rawQuery + "&compress=" + mode
			g := gatetest.DialGateway(t, srv, query)
			if g.Hello() != 20000 {
				t.Fatal("hello interval")
			}
			// compress:true must be ignored under transport compression:
			// a payload-zlib frame would not decode as part of the stream.
			id := g.Identify(601, map[string]any{"compress": true})
			s := srv.Manager().Get(id)
			for i := 0; i < 3; i++ {
				g.SendText(`{"op":1,"d":1}`)
				g.Expect(11)
			}
			seq := uint64(1)
			for i, pad := range rawCompressionPads {
				s.Dispatch("MESSAGE_CREATE", rawMessage(i, pad))
			}
			for i, pad := range rawCompressionPads {
				seq++
				rawExpectMessage(t, g, seq, i, pad)
			}
			g.SendText(fmt.Sprintf(`{"op":1,"d":%d}`, seq))
			g.Expect(11)

			s.Kick(protocol.CloseSessionTimedOut)
			if code, _ := g.ExpectClose(); code != 4009 {
				t.Fatalf("kick closed with %d, want 4009", code)
			}
			rawEchoClose(t, g, 4009)
			rawDetached(t, s)
			for i, pad := range rawCompressionPads[:3] {
				s.Dispatch("MESSAGE_CREATE", rawMessage(100+i, pad))
			}

			g2 := gatetest.DialGateway(t, srv, query)
			g2.Hello()
			g2.SendText(gatetest.ResumePayload(gatetest.Token(601), id, seq))
			for i, pad := range rawCompressionPads[:3] {
				seq++
				rawExpectMessage(t, g2, seq, 100+i, pad)
			}
			seq++
			g2.ExpectDispatch("RESUMED", seq)
			for i, pad := range rawCompressionPads {
				seq++
				s.Dispatch("MESSAGE_CREATE", rawMessage(200+i, pad))
				rawExpectMessage(t, g2, seq, 200+i, pad)
			}
			g2.SendText(fmt.Sprintf(`{"op":1,"d":%d}`, seq))
			g2.Expect(11)
		})
	}
}

// TestPayloadCompression: with Identify compress:true and no transport
// compression, dispatches over the threshold are binary frames that are
// each a complete zlib stream; small ones stay text.
func TestPayloadCompression(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, nil)
	g := gatetest.DialGateway(t, srv, rawQuery)
	g.PayloadZlib = true
	g.Hello()
	s := srv.Manager().Get(g.Identify(602, map[string]any{"compress": true}))
	seq := uint64(1)
	for i, pad := range rawCompressionPads {
		seq++
		s.Dispatch("MESSAGE_CREATE", rawMessage(i, pad))
		m := g.ExpectDispatch("MESSAGE_CREATE", seq)
		if string(m.D) != string(rawMessage(i, pad)) {
			t.Fatalf("s=%d: d differs", seq)
		}
		want := ws.KindText
		if len(m.Raw) >= 1024 {
			want = ws.KindBinary
		}
		if m.Kind != want {
			t.Fatalf("s=%d of %d bytes came as %v, want %v", seq, len(m.Raw), m.Kind, want)
		}
	}
	g.SendText(`{"op":1,"d":null}`)
	if m := g.Expect(11); m.Kind != ws.KindText {
		t.Fatalf("ACK came as %v", m.Kind)
	}
}
