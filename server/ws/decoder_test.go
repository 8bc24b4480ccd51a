package ws

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

type decodeCase struct {
	name string
	in   []byte
	max  int
	want []rec
	err  error
}

func r(k Kind, payload string) rec { return rec{Kind: k, Payload: payload} }

func rc(code CloseCode, reason string) rec { return rec{Kind: KindClose, Code: code, Payload: reason} }

func decodeCases() []decodeCase {
	big := strings.Repeat("x", 70000)
	cases := []decodeCase{
		{name: "text", in: cf(fin|opText, "hello"), want: []rec{r(KindText, "hello")}},
		{name: "empty binary", in: cf(fin|opBin, ""), want: []rec{r(KindBinary, "")}},
		{name: "binary not utf8", in: cf(fin|opBin, "\xff\xfe"), want: []rec{r(KindBinary, "\xff\xfe")}},
		{name: "text 125", in: cf(fin|opText, strings.Repeat("a", 125)), want: []rec{r(KindText, strings.Repeat("a", 125))}},
		{name: "text 126 (16-bit length)", in: cf(fin|opText, strings.Repeat("b", 126)), want: []rec{r(KindText, strings.Repeat("b", 126))}},
		{name: "text 65535", in: cf(fin|opText, big[:65535]), max: 1 << 20, want: []rec{r(KindText, big[:65535])}},
		{name: "text 70000 (64-bit length)", in: cf(fin|opText, big), max: 1 << 20, want: []rec{r(KindText, big)}},
		{name: "multibyte utf8", in: cf(fin|opText, "héllo 世界 🎉"), want: []rec{r(KindText, "héllo 世界 🎉")}},
		{name: "ping", in: cf(fin|opPing, "p1"), want: []rec{r(KindPing, "p1")}},
		{name: "pong 125", in: cf(fin|opPong, strings.Repeat("q", 125)), want: []rec{r(KindPong, strings.Repeat("q", 125))}},
		{name: "two frames", in: cat(cf(fin|opText, "a"), cf(fin|opBin, "b")), want: []rec{r(KindText, "a"), r(KindBinary, "b")}},

		// Non-minimal length encodings are tolerated.
		{name: "len 5 as 16-bit", in: nonMinimal(126, "hello"), want: []rec{r(KindText, "hello")}},
		{name: "len 5 as 64-bit", in: nonMinimal(127, "hello"), want: []rec{r(KindText, "hello")}},

		// Masking, reserved bits, opcodes.
		{name: "unmasked text", in: sf(fin|opText, "hi"), err: ErrUnmasked},
		{name: "unmasked ping", in: sf(fin|opPing, ""), err: ErrUnmasked},
		{name: "rsv1", in: cf(fin|0x40|opText, "x"), err: ErrReservedBits},
		{name: "rsv2", in: cf(fin|0x20|opText, "x"), err: ErrReservedBits},
		{name: "rsv3", in: cf(fin|0x10|opBin, "x"), err: ErrReservedBits},
		{name: "rsv on ping", in: cf(fin|0x40|opPing, ""), err: ErrReservedBits},
		{name: "64-bit length msb", in: []byte{fin | opBin, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1}, err: ErrLengthOverflow},

		// Control frame rules.
		{name: "ping not fin", in: cf(opPing, "x"), err: ErrFragmentedControl},
		{name: "close not fin", in: cf(opClose, ""), err: ErrFragmentedControl},
		{name: "ping 126", in: cf(fin|opPing, strings.Repeat("p", 126)), err: ErrControlTooLong},
		{name: "pong 16-bit length 5", in: nonMinimalOp(opPong, 126, "abcde"), err: ErrControlTooLong},

		// Fragmentation rules.
		{name: "continuation first", in: cf(fin|opCont, "x"), err: ErrUnexpectedContinuation},
		{name: "continuation after complete", in: cat(cf(fin|opText, "a"), cf(fin|opCont, "b")), want: []rec{r(KindText, "a")}, err: ErrUnexpectedContinuation},
		{name: "text inside fragmented text", in: cat(cf(opText, "a"), cf(fin|opText, "b")), err: ErrExpectedContinuation},
		{name: "binary inside fragmented text", in: cat(cf(opText, "a"), cf(opBin, "b")), err: ErrExpectedContinuation},
		{name: "fragmented text", in: cat(cf(opText, "Hel"), cf(opCont, "lo "), cf(fin|opCont, "world")), want: []rec{r(KindText, "Hello world")}},
		{name: "fragmented binary with empty parts", in: cat(cf(opBin, ""), cf(opCont, ""), cf(fin|opCont, "\x00\xff")), want: []rec{r(KindBinary, "\x00\xff")}},
		{name: "control frames between fragments",
			in: cat(cf(opText, "Hel"), cf(fin|opPing, "p"), cf(opCont, "lo "), cf(fin|opPong, "q"),
				cf(fin|opClose, closePayload(1000, "bye")), cf(fin|opCont, "world"), cf(fin|opBin, "next")),
			want: []rec{r(KindPing, "p"), r(KindPong, "q"), rc(1000, "bye"), r(KindText, "Hello world"), r(KindBinary, "next")}},
		{name: "rune split across fragments", in: cat(cf(opText, "\xe4\xb8"), cf(fin|opCont, "\x96")), want: []rec{r(KindText, "世")}},
		{name: "fragment of 1 then message", in: cat(cf(opBin, "a"), cf(fin|opCont, ""), cf(fin|opText, "b")), want: []rec{r(KindBinary, "a"), r(KindText, "b")}},

		// UTF-8.
		{name: "invalid utf8 text", in: cf(fin|opText, "ok\xc3\x28"), err: ErrInvalidUTF8},
		{name: "surrogate in text", in: cf(fin|opText, "\xed\xa0\x80"), err: ErrInvalidUTF8},
		{name: "truncated rune in text", in: cf(fin|opText, "\xe4\xb8"), err: ErrInvalidUTF8},
		{name: "invalid utf8 across fragments", in: cat(cf(opText, "\xe4"), cf(fin|opCont, "x")), err: ErrInvalidUTF8},

		// Size cap.
		{name: "exactly at cap", in: cf(fin|opBin, strings.Repeat("z", 100)), max: 100, want: []rec{r(KindBinary, strings.Repeat("z", 100))}},
		{name: "over cap", in: cf(fin|opBin, strings.Repeat("z", 101)), max: 100, err: ErrMessageTooBig},
		{name: "over cap header only", in: []byte{fin | opText, 0x80 | 127, 0, 0, 0, 0, 0x10, 0, 0, 0}, max: 100, err: ErrMessageTooBig},
		{name: "over default cap", in: []byte{fin | opText, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 1}, err: ErrMessageTooBig},
		{name: "fragments over cap", in: cat(cf(opText, strings.Repeat("a", 60)), cf(opCont, strings.Repeat("b", 40)), cf(fin|opCont, "c")), max: 100, err: ErrMessageTooBig},
		{name: "fragments at cap", in: cat(cf(opText, strings.Repeat("a", 60)), cf(fin|opCont, strings.Repeat("b", 40))), max: 100, want: []rec{r(KindText, strings.Repeat("a", 60)+strings.Repeat("b", 40))}},
		{name: "control frames ignore cap", in: cf(fin|opPing, strings.Repeat("p", 20)), max: 10, want: []rec{r(KindPing, strings.Repeat("p", 20))}},

		// Close frames.
		{name: "close empty", in: cf(fin|opClose, ""), want: []rec{rc(CloseNoStatus, "")}},
		{name: "close 1 byte", in: cf(fin|opClose, "\x03"), err: ErrCloseLength},
		{name: "close reason", in: cf(fin|opClose, closePayload(4000, "héllo")), want: []rec{rc(4000, "héllo")}},
		{name: "close reason invalid utf8", in: cf(fin|opClose, closePayload(1000, "\xff")), err: ErrCloseReasonUTF8},
		{name: "close 123-byte reason", in: cf(fin|opClose, closePayload(1001, strings.Repeat("r", 123))), want: []rec{rc(1001, strings.Repeat("r", 123))}},
	}
	for _, c := range []CloseCode{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4002, 4999} {
		cases = append(cases, decodeCase{name: "close valid " + strconv.Itoa(int(c)), in: cf(fin|opClose, closePayload(uint16(c), "")), want: []rec{rc(c, "")}})
	}
	for _, c := range []uint16{0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		cases = append(cases, decodeCase{name: "close invalid " + strconv.Itoa(int(c)), in: cf(fin|opClose, closePayload(c, "x")), err: ErrCloseCode})
	}
	for op := byte(3); op <= 0xF; op++ {
		if Opcode(op).known() {
			continue
		}
		cases = append(cases, decodeCase{name: "opcode " + strconv.Itoa(int(op)), in: cf(fin|op, ""), err: ErrBadOpcode})
	}
	return cases
}

// nonMinimal encodes a masked final text frame with a 16-bit (l7 = 126) or
// 64-bit (l7 = 127) length even when the payload is short.
func nonMinimal(l7 byte, payload string) []byte { return nonMinimalOp(opText, l7, payload) }

func nonMinimalOp(op byte, l7 byte, payload string) []byte {
	b := []byte{fin | op, 0x80 | l7}
	n := len(payload)
	if l7 == 126 {
		b = append(b, byte(n>>8), byte(n))
	} else {
		b = append(b, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	b = append(b, testKey[:]...)
	start := len(b)
	b = append(b, payload...)
	maskBytes(uint32(testKey[0])|uint32(testKey[1])<<8|uint32(testKey[2])<<16|uint32(testKey[3])<<24, b[start:])
	return b
}

func TestDecodeCases(t *testing.T) {
	for _, c := range decodeCases() {
		t.Run(c.name, func(t *testing.T) {
			got := whole(t, c.in, c.max)
			if got.err != c.err || !(outcome{events: got.events}).equal(outcome{events: c.want}) {
				t.Fatalf("got %v\nwant events=%v err=%v", got, c.want, c.err)
			}
			if c.err == nil && got.consumed != len(c.in) {
				t.Fatalf("consumed %d of %d", got.consumed, len(c.in))
			}
			var ce *CloseError
			if c.err != nil && !errors.As(got.err, &ce) {
				t.Fatalf("error %T is not a *CloseError", got.err)
			}
		})
	}
}

// TestCloseCodesOfErrors pins the close code each error sends.
func TestCloseCodesOfErrors(t *testing.T) {
	want := map[*CloseError]CloseCode{
		ErrUnmasked: 1002, ErrMasked: 1002, ErrReservedBits: 1002, ErrBadOpcode: 1002,
		ErrFragmentedControl: 1002, ErrControlTooLong: 1002, ErrUnexpectedContinuation: 1002,
		ErrExpectedContinuation: 1002, ErrLengthOverflow: 1002, ErrCloseLength: 1002, ErrCloseCode: 1002,
		ErrInvalidUTF8: 1007, ErrCloseReasonUTF8: 1007, ErrMessageTooBig: 1009,
	}
	for e, code := range want {
		if e.Code != code {
			t.Errorf("%v: code %d, want %d", e, e.Code, code)
		}
		if len(e.Reason) > MaxControlPayload-2 {
			t.Errorf("%v: reason too long for a close frame", e)
		}
	}
}

func TestClientDecoder(t *testing.T) {
	in := cat(sf(opText, "ab"), sf(fin|opPing, "p"), sf(fin|opCont, "c"), sf(fin|opClose, closePayload(1000, "")))
	got := feed(t, in, nil, 0, true)
	want := outcome{events: []rec{r(KindPing, "p"), r(KindText, "abc"), rc(1000, "")}, consumed: len(in)}
	if !got.equal(want) {
		t.Fatalf("got %v want %v", got, want)
	}
	if got := feed(t, cf(fin|opText, "x"), nil, 0, true); got.err != ErrMasked {
		t.Fatalf("masked server frame: got %v, want ErrMasked", got)
	}
}

// TestIncompleteLeavesInputAlone checks that a frame missing its last byte
// consumes nothing and is not unmasked.
func TestIncompleteLeavesInputAlone(t *testing.T) {
	frame := cf(fin|opText, "hello, world")
	in := append([]byte(nil), frame[:len(frame)-1]...)
	var d Decoder
	n, ev, err := d.Decode(in, 0)
	if n != 0 || err != nil || ev.Kind != KindNone {
		t.Fatalf("got n=%d ev=%v err=%v, want need-more", n, ev.Kind, err)
	}
	if string(in) != string(frame[:len(frame)-1]) {
		t.Fatal("incomplete frame was modified")
	}
}

// TestPayloadAliasesInput shows the zero-copy contract: an unfragmented
// payload is unmasked where it lies.
func TestPayloadAliasesInput(t *testing.T) {
	in := cf(fin|opBin, "0123456789")
	var d Decoder
	_, ev, err := d.Decode(in, 0)
	if err != nil || string(ev.Payload) != "0123456789" {
		t.Fatalf("got %q, %v", ev.Payload, err)
	}
	if &ev.Payload[0] != &in[6] {
		t.Fatal("payload does not alias the input")
	}
}

// TestReassemblyReleased checks the decoder holds no buffer once a
// fragmented message has been returned and the next Decode call came.
func TestReassemblyReleased(t *testing.T) {
	var d Decoder
	in := cat(cf(opText, "ab"), cf(fin|opCont, "cd"))
	n, ev, err := d.Decode(in, 0)
	if err != nil || n != len(in) || string(ev.Payload) != "abcd" {
		t.Fatalf("n=%d ev=%q err=%v", n, ev.Payload, err)
	}
	if d.frag == nil {
		t.Fatal("reassembly buffer dropped while its payload is still returned")
	}
	if n, _, _ := d.Decode(nil, 0); n != 0 || d.frag != nil {
		t.Fatalf("after next Decode: n=%d, frag still held", n)
	}
	// Reset mid-message frees the partial message.
	d.Decode(cf(opBin, "x"), 0)
	if d.frag == nil {
		t.Fatal("no reassembly for a started message")
	}
	d.Reset()
	if d.frag != nil {
		t.Fatal("Reset kept the buffer")
	}
}

// TestDecodeWithShrinkingCap checks a cap lowered below what a partial
// message already holds still rejects the next fragment.
func TestDecodeWithShrinkingCap(t *testing.T) {
	var d Decoder
	defer d.Reset()
	if _, _, err := d.Decode(cf(opBin, strings.Repeat("a", 50)), 100); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Decode(cf(fin|opCont, ""), 10); err != ErrMessageTooBig {
		t.Fatalf("got %v, want ErrMessageTooBig", err)
	}
}

func TestDecoderSize(t *testing.T) {
	if s := unsafe.Sizeof(Decoder{}); s != 8 {
		t.Fatalf("Decoder is %d bytes, want 8", s)
	}
	t.Logf("Decoder: %d bytes; reassembly (only while fragmented): %d bytes + buffer", unsafe.Sizeof(Decoder{}), unsafe.Sizeof(reassembly{}))
}

func TestDecodeAllocs(t *testing.T) {
	frame := cf(fin|opText, strings.Repeat("é", 100))
	frag := cat(cf(opText, strings.Repeat("a", 100)), cf(fin|opPing, "p"), cf(fin|opCont, strings.Repeat("b", 100)))
	for name, in := range map[string][]byte{"single": frame, "fragmented": frag} {
		buf := make([]byte, len(in))
		var d Decoder
		allocs := testing.AllocsPerRun(200, func() {
			copy(buf, in)
			for off := 0; ; {
				n, _, err := d.Decode(buf[off:], 0)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
				off += n
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocs per message, want 0", name, allocs)
		}
	}
}

// TestPayloadLength reads the length of frames with 7-, 16- and 64-bit
// lengths, masked and not, from every prefix of their headers.
func TestPayloadLength(t *testing.T) {
	for _, n := range []int{0, 125, 126, 65535, 65536} {
		for _, masked := range []bool{false, true} {
			frame := sf(0x82, string(make([]byte, n)))
			if masked {
				frame = cf(0x82, string(make([]byte, n)))
			}
			wantHdr := len(frame) - n
			if masked {
				wantHdr -= 4
			}
			for p := 2; p <= wantHdr+4 && p <= len(frame); p++ {
				length, hdr, whole := PayloadLength(frame[:p])
				if hdr != wantHdr || whole != (p >= wantHdr) || (whole && length != uint64(n)) {
					t.Fatalf("payload %d masked %v, prefix %d: length %d, hdr %d, whole %v", n, masked, p, length, hdr, whole)
				}
			}
		}
	}
}
