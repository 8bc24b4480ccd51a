package gatetest

import (
	"bytes"
	"compress/zlib"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

var streamMsgs = []string{
	`{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250}}`,
	`{"t":"READY","s":1,"op":0,"d":{"v":10,"pad":"` + strings.Repeat("abcdefgh", 40000) + `"}}`,
	`{"t":null,"s":null,"op":11,"d":null}`,
}

// TestStreamDecoderZlib proves the zlib-stream checker both accepts a
// sync-flushed stream message by message and rejects a frame that was not
// flushed.
func TestStreamDecoderZlib(t *testing.T) {
	var out bytes.Buffer
	w := zlib.NewWriter(&out)
	d := NewZlibStream()
	defer d.Close()
	for _, m := range streamMsgs {
		out.Reset()
		_, _ = w.Write([]byte(m))
		_ = w.Flush()
		got, err := d.Decode(out.Bytes(), Wait)
		if err != nil || string(got) != m {
			t.Fatalf("flushed message: %v, got %d bytes want %d", err, len(got), len(m))
		}
	}
	out.Reset()
	_, _ = w.Write([]byte(streamMsgs[1]))
	if _, err := d.Decode(out.Bytes(), Wait); err == nil {
		t.Fatal("a frame without a sync flush was accepted")
	}
}

// TestStreamDecoderZstd proves the zstd-stream checker accepts flushed
// messages and returns a short message when the encoder did not flush, so
// the payload then fails to parse.
func TestStreamDecoderZstd(t *testing.T) {
	var out bytes.Buffer
	w, err := zstd.NewWriter(&out, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	d := NewZstdStream()
	defer d.Close()
	for _, m := range streamMsgs {
		out.Reset()
		_, _ = w.Write([]byte(m))
		_ = w.Flush()
		got, err := d.Decode(out.Bytes(), Wait)
		if err != nil || string(got) != m {
			t.Fatalf("flushed message: %v, got %d bytes want %d", err, len(got), len(m))
		}
	}
	out.Reset()
	_, _ = w.Write([]byte(streamMsgs[1])) // buffered by the encoder: not flushed
	got, err := d.Decode(out.Bytes(), time.Second)
	if err == nil {
		if _, perr := ParseMsg(got); perr == nil {
			t.Fatal("an unflushed zstd message decoded whole")
		}
	}
}
