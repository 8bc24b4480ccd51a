//go:build cgo

package bindings

import (
	"bytes"
	"testing"

	"gatehouse/core/compress"
)

// fuzzScript turns fuzz input into a sequence of steps for one compact
// stream: hibernate, send a message taken from the input, send an empty
// message, or send a copy of earlier traffic (so that matches reach back
// across hibernations). Each control byte picks the step with its low two
// bits and a length with the rest.
func fuzzScript(data []byte, step func(hibernate bool, msg []byte) error) error {
	var history []byte
	for len(data) > 0 {
		b := data[0]
		data = data[1:]
		var msg []byte
		switch b & 3 {
		case 0:
			if err := step(true, nil); err != nil {
				return err
			}
			continue
		case 1:
			n := min(int(b>>2)*41, len(data))
			msg, data = data[:n], data[n:]
		case 2:
			if len(history) > 0 {
				n := min(int(b>>2)*97+1, len(history))
				from := len(history) - n - (int(b) * 131 % (len(history) - n + 1))
				msg = bytes.Repeat(history[from:from+n], 1+int(b>>6))
			}
		case 3:
		}
		history = append(history, msg...)
		if len(history) > 1<<20 {
			history = history[len(history)-1<<19:]
		}
		if err := step(false, msg); err != nil {
			return err
		}
	}
	return nil
}

// fuzzCompact drives one compact stream of pool p (windowed: fed by a
// MessageLog) through the script in data and decodes every message with
// the reference decoders of p's mode.
func fuzzCompact(t *testing.T, p *CompactPool, windowed bool, data []byte) {
	c := compactCodec{windowed: windowed}
	s, record, err := c.open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v := newVerifier(p.Mode())
	var dst []byte
	i := 0
	err = fuzzScript(data, func(hibernate bool, msg []byte) error {
		if hibernate {
			if err := s.Hibernate(); err != nil {
				return err
			}
			if n := s.StateBytes(); n > compress.IdleStateLimit {
				t.Fatalf("%d bytes of state while hibernating", n)
			}
			return nil
		}
		asleep := s.Hibernating()
		out, err := s.Compress(dst[:0], msg)
		if err != nil {
			return err
		}
		record(msg)
		if err := v.check(msg, out); err != nil {
			t.Fatalf("message %d (%d B): %v", i, len(msg), err)
		}
		if s.Hibernating() {
			if !asleep || len(msg) > smallSendMax {
				t.Fatalf("message %d (%d B) left the stream hibernating", i, len(msg))
			}
			if n := s.StateBytes(); n > compress.IdleStateLimit {
				t.Fatalf("%d bytes of state while hibernating, after message %d", n, i)
			}
		}
		dst = out
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.finish(); err != nil {
		t.Fatal(err)
	}
}

// fuzzSeeds are starting inputs: plain messages, hibernation between and
// around them, repeats of earlier traffic, empty messages, and runs of
// small messages sent while hibernating (past the tail's room, so that the
// stream wakes among them) followed by repeats of them.
func fuzzSeeds(f *testing.F) {
	jsonPool, randPool := pools()
	f.Add([]byte{})
	f.Add([]byte{0, 0, 3, 0})
	f.Add(append([]byte{0xfd}, jsonPool[:2600]...))
	f.Add(append(append([]byte{0xfd}, jsonPool[:2600]...), 0, 0xfe, 0, 0x7e, 3, 0))
	f.Add(append(append([]byte{0x41}, randPool[:700]...), 0, 0xfe, 0xbe, 0))
	script := []byte{}
	for i := range 30 {
		script = append(script, 0xfd)
		script = append(script, jsonPool[i*2600:(i+1)*2600]...)
		script = append(script, byte(i*8)&0xfc, byte(i*16+2))
	}
	f.Add(script)
	// Small messages while asleep: control bytes 0x05, 0x09 and 0x0d take
	// 41, 82 and 123 bytes of input; 0x06 and 0x02 repeat 98 bytes and 1
	// byte of history, 0x4e 1844 bytes twice (waking, reaching back into
	// what went out while asleep); 0x03 sends an empty message.
	small := append([]byte{0xfd}, jsonPool[:2600]...)
	for i := range 40 {
		if i%13 == 0 {
			small = append(small, 0)
		}
		switch n := []int{41, 82, 123}[i%3]; i % 5 {
		case 3:
			small = append(small, []byte{0x06, 0x02}[i%2])
		case 4:
			small = append(small, 0x03)
		default:
			small = append(small, byte(n/41)<<2|1)
			small = append(small, randPool[i*123:i*123+n]...)
		}
	}
	f.Add(append(small, 0, 0x4e, 0, 0x06, 0xfe))
}

// fuzzPool runs the fuzz script on streams of one pool, made once per
// target (windowed: fed by a MessageLog).
func fuzzPool(f *testing.F, newPool func() (*CompactPool, error), windowed bool) {
	fuzzSeeds(f)
	p, err := newPool()
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { p.Close() })
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCompact(t, p, windowed, data)
	})
}

func zlibFuzzPool() (*CompactPool, error) {
	return NewCompactZlibPool(compress.DefaultZlib, compress.CompactOptions{MaxIdleContexts: 1})
}

func zstdFuzzPool() (*CompactPool, error) {
	return NewCompactZstdPool(compress.ZstdDiscord, compress.CompactOptions{MaxIdleContexts: 1})
}

// FuzzCompactZlib: whatever sequence of messages and hibernations, every
// message of a compact zlib-stream decodes exactly with Go's compress/zlib
// and klauspost's zlib, and idle state stays within 16 KiB.
func FuzzCompactZlib(f *testing.F) { fuzzPool(f, zlibFuzzPool, false) }

// FuzzCompactZstd: whatever sequence of messages and hibernations, every
// message of a compact zstd-stream (our own encoder) decodes exactly with
// klauspost's zstd, and idle state stays within 16 KiB. The Rust tests
// check the same encoder against libzstd.
func FuzzCompactZstd(f *testing.F) { fuzzPool(f, zstdFuzzPool, false) }

// FuzzCompactZstdWindowed: as FuzzCompactZstd for windowed streams, which
// keep no plaintext while idle and are given the last messages on waking.
func FuzzCompactZstdWindowed(f *testing.F) { fuzzPool(f, zstdFuzzPool, true) }
