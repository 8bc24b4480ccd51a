//go:build cgo

package bindings

import (
	"bytes"
	"math"
	"testing"

	"gatehouse/core/compress"
)

// The tests here call every C entry directly with bad arguments. Each must
// answer with a status, never crash, and leave the stream usable.

const maxInput = 1 << 30 // MAX_INPUT_LEN in rustlib/core

var abiKinds = []struct {
	kind abiKind
	mode compress.Mode
	good [4]int32
}{
	{abiZlib, compress.ZlibStream, [4]int32{6, 15, 8, 0}},
	{abiZstd, compress.ZstdStream, [4]int32{6, 18, 16, 16}},
	{abiPayload, compress.PayloadZlib, [4]int32{6, 15, 8, 0}},
}

func abiNewGood(t *testing.T, kind abiKind, p [4]int32) abiHandle {
	t.Helper()
	h, st := abiNew(kind, p[0], p[1], p[2], p[3], false)
	if st != StatusOK || h.isNull() {
		t.Fatalf("kind %d: %v, null=%v", kind, st, h.isNull())
	}
	return h
}

func TestABIConstructorsRefuseBadArguments(t *testing.T) {
	for _, k := range abiKinds {
		if _, st := abiNew(k.kind, k.good[0], k.good[1], k.good[2], k.good[3], true); st != StatusNullArgument {
			t.Errorf("kind %d, null out: %v", k.kind, st)
		}
	}
	zlibBad := [][3]int32{{1000, 15, 8}, {-2, 15, 8}, {6, 99, 8}, {6, 8, 8}, {6, 15, 0}, {6, 15, 10},
		{math.MaxInt32, math.MinInt32, math.MaxInt32}}
	for _, p := range zlibBad {
		for _, kind := range []abiKind{abiZlib, abiPayload} {
			h, st := abiNew(kind, p[0], p[1], p[2], 0, false)
			if st != StatusInvalidArg || !h.isNull() {
				t.Errorf("kind %d %v: %v, null=%v", kind, p, st, h.isNull())
			}
		}
	}
	zstdBad := [][4]int32{{1000, 18, 16, 16}, {math.MinInt32, 0, 0, 0}, {3, 99, 0, 0}, {3, 9, 0, 0},
		{3, -1, 0, 0}, {3, 0, 5, 0}, {3, 0, 31, 0}, {3, 0, 0, math.MaxInt32}}
	for _, p := range zstdBad {
		h, st := abiNew(abiZstd, p[0], p[1], p[2], p[3], false)
		if st != StatusInvalidArg || !h.isNull() {
			t.Errorf("zstd %v: %v, null=%v", p, st, h.isNull())
		}
	}
}

func TestABINullHandles(t *testing.T) {
	var null abiHandle
	if _, st := abiBound(null, 10, false); st != StatusNullArgument {
		t.Errorf("bound: %v", st)
	}
	if _, st := abiStateBytes(null, false); st != StatusNullArgument {
		t.Errorf("state bytes: %v", st)
	}
	n, st := abiCompress(null, abiCall{in: []byte("x"), out: make([]byte, 64)})
	if st != StatusNullArgument || n != 0 {
		t.Errorf("compress: %v, out_len %d", st, n)
	}
	abiFree(null) // must be a no-op
}

func TestABIBadArgumentsLeaveTheStreamUsable(t *testing.T) {
	msg := []byte(`{"op":0,"d":{"content":"hello"}}`)
	out := make([]byte, 4096)
	for _, k := range abiKinds {
		h := abiNewGood(t, k.kind, k.good)
		v := newVerifier(k.mode)
		bound, st := abiBound(h, uint64(len(msg)), false)
		if st != StatusOK || bound < uint64(len(msg)) {
			t.Fatalf("kind %d: bound %d, %v", k.kind, bound, st)
		}
		refused := []struct {
			name string
			call abiCall
			want Status
			len  uint64 // expected *out_len
		}{
			{"null out_len", abiCall{in: msg, out: out, nullOutLen: true}, StatusNullArgument, 12345},
			{"null input, length 5", abiCall{in: msg, inLen: 5, nullIn: true, out: out}, StatusNullArgument, 0},
			{"null output, capacity 64", abiCall{in: msg, out: out, outCap: 64, nullOut: true}, StatusNullArgument, 0},
			{"input over 1 GiB", abiCall{in: msg, inLen: maxInput + 1, out: out}, StatusTooLarge, 0},
			{"input over isize", abiCall{in: msg, inLen: math.MaxInt64 + 1, out: out}, StatusTooLarge, 0},
			{"input of 2^64-1", abiCall{in: msg, inLen: math.MaxUint64, out: out}, StatusTooLarge, 0},
			{"capacity over isize", abiCall{in: msg, out: out, outCap: math.MaxInt64 + 1}, StatusInvalidArg, 0},
			{"capacity of 2^64-1", abiCall{in: msg, out: out, outCap: math.MaxUint64}, StatusInvalidArg, 0},
			{"overlapping buffers", abiCall{in: out[:100], out: out[50:]}, StatusInvalidArg, 0},
			{"one byte short", abiCall{in: msg, out: out[:bound-1]}, StatusBufferTooSmall, bound},
			{"no output buffer", abiCall{in: msg, nullOut: true}, StatusBufferTooSmall, bound},
		}
		for _, r := range refused {
			n, st := abiCompress(h, r.call)
			if st != r.want || n != r.len {
				t.Errorf("kind %d %s: %v with out_len %d, want %v with %d", k.kind, r.name, st, n, r.want, r.len)
			}
		}
		if _, st := abiBound(h, 10, true); st != StatusNullArgument {
			t.Errorf("kind %d bound, null out: %v", k.kind, st)
		}
		if _, st := abiBound(h, maxInput+1, false); st != StatusTooLarge {
			t.Errorf("kind %d bound over 1 GiB: %v", k.kind, st)
		}
		if _, st := abiStateBytes(h, true); st != StatusNullArgument {
			t.Errorf("kind %d state bytes, null out: %v", k.kind, st)
		}
		// The stream is as if none of that happened: a zero-length message
		// with a null pointer, then the message, decode in order.
		for _, m := range [][]byte{nil, msg, {}} {
			n, st := abiCompress(h, abiCall{in: m, nullIn: len(m) == 0, out: out})
			if st != StatusOK {
				t.Fatalf("kind %d: compress after refusals: %v", k.kind, st)
			}
			if err := v.check(m, bytes.Clone(out[:n])); err != nil {
				t.Fatalf("kind %d: %v", k.kind, err)
			}
		}
		if err := v.finish(); err != nil {
			t.Fatalf("kind %d: %v", k.kind, err)
		}
		abiFree(h)
	}
}

func TestABINoop(t *testing.T) {
	Noop() // must return; the benchmark times it
}
