package ws

import (
	"strings"
	"testing"
)

// BenchmarkDecode decodes one masked client frame per op. Decode unmasks in
// place, so each op first restores the masked bytes with copy (included in
// the figure; a 206-byte copy is a few ns). The payload is checked inside
// the loop so a decoder that skips work cannot look fast.
func BenchmarkDecode(b *testing.B) {
	for _, c := range []struct {
		name string
		op   byte
		size int
	}{
		{"text=200B", opText, 200},
		{"binary=200B", opBin, 200},
		{"text=4KiB", opText, 4096},
		{"binary=64KiB", opBin, 64 << 10},
	} {
		b.Run(c.name, func(b *testing.B) {
			payload := strings.Repeat(`{"op":1,"d":251}`, c.size/16+1)[:c.size]
			frame := cf(fin|c.op, payload)
			buf := make([]byte, len(frame))
			var d Decoder
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				copy(buf, frame)
				n, ev, err := d.Decode(buf, 1<<20)
				if err != nil || n != len(frame) || len(ev.Payload) != c.size || ev.Payload[c.size-1] != payload[c.size-1] {
					b.Fatalf("n=%d err=%v", n, err)
				}
			}
		})
	}
}

// BenchmarkDecodeFragmented decodes a 3-fragment 600-byte text message with a
// ping in the middle: the reassembly path.
func BenchmarkDecodeFragmented(b *testing.B) {
	in := cat(cf(opText, strings.Repeat("a", 200)), cf(fin|opPing, "p"), cf(opCont, strings.Repeat("b", 200)), cf(fin|opCont, strings.Repeat("c", 200)))
	buf := make([]byte, len(in))
	var d Decoder
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, in)
		events := 0
		for off := 0; ; {
			n, ev, err := d.Decode(buf[off:], 0)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
			off += n
			if ev.Kind != KindNone {
				events++
			}
		}
		if events != 2 {
			b.Fatalf("%d events", events)
		}
	}
}

func BenchmarkParseUpgrade(b *testing.B) {
	in := []byte(goodRequest)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		n, r, err := ParseUpgrade(in, UpgradeLimits{})
		if err != nil || n != len(in) || len(r.Key) != 24 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkUpgradeHandshake is the whole server side of a handshake: parse,
// read the query, write the 101.
func BenchmarkUpgradeHandshake(b *testing.B) {
	in := []byte(goodRequest)
	var out [160]byte
	b.ReportAllocs()
	for b.Loop() {
		_, r, err := ParseUpgrade(in, UpgradeLimits{})
		if err != nil || string(r.QueryValue("v")) != "10" {
			b.Fatal(err)
		}
		if len(AcceptResponse(r.Key, out[:0])) != 129 {
			b.Fatal("bad 101")
		}
	}
}

func BenchmarkAppendFrame(b *testing.B) {
	payload := []byte(strings.Repeat("x", 200))
	dst := make([]byte, 0, 256)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if len(AppendFrame(dst[:0], OpText, payload)) != 204 {
			b.Fatal("length")
		}
	}
}
