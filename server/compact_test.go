package server_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"gatehouse/bindings/purego"
	"gatehouse/internal/gatetest"
	"gatehouse/server"
)

// metric reads one figure from the server's /metrics.
func metric(t *testing.T, srv *server.Server, name string) int64 {
	t.Helper()
	resp, err := http.Get("http://" + srv.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + name + ` (\d+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in /metrics", name)
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// TestCompactStreamsHibernateAndKeepDecoding: with compact streams (the
// default for zlib-stream, opted into for zstd-stream) and a short idle
// time, a connection that goes quiet hibernates on the loop's tick, and
// what it sends after waking still decodes, message by message, in the
// client's one zlib stream or zstd frame, as do messages of every size
// sent between hibernations.
func TestCompactStreamsHibernateAndKeepDecoding(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"zlib-stream", "zstd-stream"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			compactHibernation(t, mode)
		})
	}
}

func compactHibernation(t *testing.T, mode string) {
	srv := rawStart(t, func(c *server.Config) {
		c.TickInterval = 10 * time.Millisecond
		c.CompactIdle = 20 * time.Millisecond
		c.CompactZstd = true
	})
	g := gatetest.DialGateway(t, srv, rawQuery+"&compress="+mode)
	g.Hello()
	user := uint64(611)
	if mode == "zstd-stream" {
		user = 613
	}
	s := srv.Manager().Get(g.Identify(user, nil))
	seq := uint64(1)
	// last is the count seen once the stream last hibernated: a hibernated
	// stream stays so until the next message wakes it, so after each
	// round's messages the count must pass last again. (Reading the count
	// only after the messages had gone out raced with the hibernation.)
	last := int64(0)
	for round := range 4 {
		gatetest.Eventually(t, gatetest.Wait, func() error {
			// A stream may also hibernate between two of a round's messages
			// (under -race they can be 20 ms apart), so wait until it is
			// hibernating now, by a hibernation newer than last.
			n := metric(t, srv, "gatehouse_compact_hibernations_total")
			h := metric(t, srv, "gatehouse_compact_hibernating")
			if n <= last || h < 1 {
				return fmt.Errorf("round %d: %d hibernations (want more than %d), %d hibernating", round, n, last, h)
			}
			last = n
			return nil
		})
		for i, pad := range rawCompressionPads {
			seq++
			s.Dispatch("MESSAGE_CREATE", rawMessage(round*100+i, pad))
			rawExpectMessage(t, g, seq, round*100+i, pad)
		}
	}
}

// TestHeartbeatACKsLeaveStreamsAsleep: a hibernating compact stream sends
// heartbeat ACKs without waking (they go out uncompressed and join the
// stream's retained window), so it never has to hibernate again for them,
// and the client, decoding every frame as it arrives, still decodes the
// dispatch that follows and wakes the stream.
func TestHeartbeatACKsLeaveStreamsAsleep(t *testing.T) {
	t.Parallel()
	for i, mode := range []string{"zlib-stream", "zstd-stream"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			srv := rawStart(t, func(c *server.Config) {
				c.TickInterval = 5 * time.Millisecond
				c.CompactIdle = 10 * time.Millisecond
				c.CompactZstd = true
			})
			g, s := rawIdentified(t, srv, rawQuery+"&compress="+mode, uint64(631+i))
			var slept int64
			gatetest.Eventually(t, gatetest.Wait, func() error {
				slept = metric(t, srv, "gatehouse_compact_hibernations_total")
				if h := metric(t, srv, "gatehouse_compact_hibernating"); slept < 1 || h != 1 {
					return fmt.Errorf("%d hibernations, %d hibernating", slept, h)
				}
				return nil
			})
			for k := range 5 {
				g.SendText(`{"op":1,"d":1}`)
				g.Expect(11)
				if h := metric(t, srv, "gatehouse_compact_hibernating"); h != 1 {
					t.Fatalf("ACK %d woke the stream: %d hibernating", k, h)
				}
			}
			// Many idle times later: an ACK that had woken the stream would
			// have made it hibernate again by now.
			time.Sleep(20 * 10 * time.Millisecond)
			if n := metric(t, srv, "gatehouse_compact_hibernations_total"); n != slept {
				t.Fatalf("%d hibernations after the ACKs, %d before: an ACK woke the stream", n, slept)
			}
			s.Dispatch("MESSAGE_CREATE", rawMessage(1, 2000))
			rawExpectMessage(t, g, 2, 1, 2000)
		})
	}
}

// TestFullStreamsStillSelectable: FullStreams gives every connection a full
// stream, and zstd-stream connections get full streams unless CompactZstd
// is set; full streams never hibernate.
func TestFullStreamsStillSelectable(t *testing.T) {
	t.Parallel()
	for i, tc := range []struct {
		mode string
		full bool
	}{{"zlib-stream", true}, {"zstd-stream", false}} {
		srv := rawStart(t, func(c *server.Config) {
			c.FullStreams = tc.full
			c.TickInterval = 10 * time.Millisecond
			c.CompactIdle = 10 * time.Millisecond
		})
		g := gatetest.DialGateway(t, srv, rawQuery+"&compress="+tc.mode)
		g.Hello()
		s := srv.Manager().Get(g.Identify(uint64(620+i), nil))
		time.Sleep(100 * time.Millisecond) // many ticks past the idle time
		s.Dispatch("MESSAGE_CREATE", rawMessage(1, 300))
		rawExpectMessage(t, g, 2, 1, 300)
		if n := metric(t, srv, "gatehouse_compact_hibernations_total"); n != 0 {
			t.Fatalf("%s: %d hibernations with full streams", tc.mode, n)
		}
	}
}

// TestStreamChoice checks the start-up log's account of which modes get
// compact streams against the settings and the factory.
func TestStreamChoice(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  server.Config
		want string
	}{
		{"defaults", server.Config{Compression: rawCompression()}, "compact:zlib"},
		{"compact zstd", server.Config{Compression: rawCompression(), CompactZstd: true}, "compact:zlib,zstd"},
		{"full", server.Config{Compression: rawCompression(), FullStreams: true}, "full"},
		{"pure Go", server.Config{Compression: purego.Factory(), CompactZstd: true}, "full"},
	} {
		if got := tc.cfg.StreamChoice(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
