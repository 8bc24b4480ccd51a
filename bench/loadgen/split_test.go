package loadgen

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/server/ws"
)

// TestFramesSplitAcrossReads sends READY and 60 dispatches as one byte
// stream cut into pieces of every size from 1 to 13 bytes, each written
// separately, so nearly every frame (header included) is split across
// reads and the leftover buffer is used for every case: empty, header only,
// part of a payload, several frames and a piece.
func TestFramesSplitAcrossReads(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		br := bufio.NewReader(nc)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + wsGUID))
		fmt.Fprintf(nc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			base64.StdEncoding.EncodeToString(h[:]))
		_, _ = nc.Write(ws.AppendFrame(nil, ws.OpText, []byte(`{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":60000}}`)))
		var stream []byte
		stream = ws.AppendFrame(stream, ws.OpText, []byte(peerReady))
		for s := 2; s <= 61; s++ {
			body := `{"t":"X","s":` + strconv.Itoa(s) + `,"op":0,"d":{"pad":"` + strings.Repeat("p", s*7) + `"}}`
			stream = ws.AppendFrame(stream, ws.OpText, []byte(body))
		}
		time.Sleep(200 * time.Millisecond) // let the Identify arrive; its content does not matter here
		for i, size := 0, 1; i < len(stream); size = size%13 + 1 {
			end := min(i+size, len(stream))
			if _, err := nc.Write(stream[i:end]); err != nil {
				return
			}
			i = end
			time.Sleep(200 * time.Microsecond)
		}
		_, _ = br.Discard(1 << 20)
	}()
	r, err := New(Config{URL: "ws://" + ln.Addr().String(), Conns: 1, Secret: "s", UserBase: 7})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "61 dispatches", func() bool { return r.Stats().Dispatches == 61 || r.Stats().ErrorTotal() > 0 })
	res := r.Stop(time.Second)
	if res.Stats.Ready != 1 || res.Stats.Dispatches != 61 || res.Stats.ErrorTotal() != 0 {
		t.Fatalf("ready %d dispatches %d errors %v", res.Stats.Ready, res.Stats.Dispatches, res.Stats.Errors)
	}
}
