package ws

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendHeaderLengths(t *testing.T) {
	cases := []struct {
		n    int
		want []byte
	}{
		{0, []byte{0x81, 0}},
		{125, []byte{0x81, 125}},
		{126, []byte{0x81, 126, 0, 126}},
		{65535, []byte{0x81, 126, 0xff, 0xff}},
		{65536, []byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
		{1 << 32, []byte{0x81, 127, 0, 0, 0, 1, 0, 0, 0, 0}},
	}
	for _, c := range cases {
		if got := AppendHeader(nil, OpText, c.n); !bytes.Equal(got, c.want) {
			t.Errorf("n=%d: got % x want % x", c.n, got, c.want)
		}
	}
}

// TestEncodeDecodeRoundTrip runs server frames through ClientDecoder and
// masked client frames through Decoder.
func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 125, 126, 127, 65535, 65536, 100000} {
		payload := bytes.Repeat([]byte("αβγ-"), n/6+1)[:n]
		for _, op := range []Opcode{OpBinary, OpText} {
			if op == OpText && !utf8.Valid(payload) {
				continue
			}
			server := AppendFrame(nil, op, payload)
			var c ClientDecoder
			m, ev, err := c.Decode(server, 1<<20)
			if err != nil || m != len(server) || !bytes.Equal(ev.Payload, payload) || ev.Kind != kindOf(op) {
				t.Fatalf("server frame n=%d op=%d: m=%d kind=%v err=%v", n, op, m, ev.Kind, err)
			}
			client := AppendMaskedFrame(nil, op, payload, [4]byte{1, 2, 3, 4})
			if n >= 4 && bytes.Contains(client, payload) {
				t.Fatalf("n=%d: masked frame carries the payload in clear", n)
			}
			var d Decoder
			m, ev, err = d.Decode(client, 1<<20)
			if err != nil || m != len(client) || !bytes.Equal(ev.Payload, payload) {
				t.Fatalf("client frame n=%d: m=%d err=%v", n, m, err)
			}
		}
	}
}

func TestAppendClose(t *testing.T) {
	got := AppendClose(nil, 4002, "decode error")
	want := append([]byte{0x88, 14, 0x0f, 0xa2}, "decode error"...)
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x want % x", got, want)
	}
	for _, code := range []CloseCode{0, CloseNoStatus, CloseAbnormal, CloseTLSHandshake} {
		if got := AppendClose(nil, code, "ignored"); !bytes.Equal(got, []byte{0x88, 0}) {
			t.Errorf("code %d: got % x, want an empty close", code, got)
		}
	}
	// A long reason is cut at a rune boundary and the frame stays a valid control frame.
	long := strings.Repeat("é", 100) // 200 bytes
	frame := AppendClose(nil, 1000, long)
	var c ClientDecoder
	_, ev, err := c.Decode(frame, 0)
	if err != nil || ev.Kind != KindClose || ev.Code != 1000 {
		t.Fatalf("long reason: kind=%v code=%d err=%v", ev.Kind, ev.Code, err)
	}
	if len(ev.Payload) != 122 || string(ev.Payload) != long[:122] {
		t.Fatalf("reason cut to %d bytes, want 122 (rune boundary under 123)", len(ev.Payload))
	}
}

func TestAppendHeaderNoPayloadCopy(t *testing.T) {
	payload := []byte("shared")
	hdr := AppendHeader(make([]byte, 0, MaxHeaderLen), OpBinary, len(payload))
	if got := append(hdr, payload...); !bytes.Equal(got, AppendFrame(nil, OpBinary, payload)) {
		t.Fatalf("header+payload % x differs from AppendFrame", got)
	}
}

func TestAppendAllocs(t *testing.T) {
	dst := make([]byte, 0, 512)
	payload := bytes.Repeat([]byte{'x'}, 200)
	allocs := testing.AllocsPerRun(100, func() {
		b := AppendFrame(dst[:0], OpText, payload)
		b = AppendClose(b, 1000, "bye")
		_ = AppendMaskedFrame(b, OpText, payload, testKey)
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocs, want 0", allocs)
	}
}
