package loadgen

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// messages are gateway-shaped JSON objects, one of them larger than
// deflate's 32 KiB window so the inflater also hands out output mid-block.
func messages() [][]byte {
	var big strings.Builder
	big.WriteString(`{"t":"GUILD_CREATE","s":2,"op":0,"d":{"members":[`)
	for i := 0; i < 3000; i++ {
		if i > 0 {
			big.WriteByte(',')
		}
		fmt.Fprintf(&big, `{"id":"%d","name":"user \"%d\" {brace}"}`, 1000+i*7919%100000, i)
	}
	big.WriteString(`]}}`)
	return [][]byte{
		[]byte(`{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250}}`),
		[]byte(`{"t":"READY","s":1,"op":0,"d":{"v":10,"session_id":"x\\\"}"}}`),
		[]byte(big.String()),
		[]byte(`{"t":null,"s":null,"op":11,"d":null}`),
		[]byte(`{"t":"X","s":3,"op":0,"d":{"a":[[],{}],"b":"]"}}`),
	}
}

func zlibStream(t *testing.T, msgs [][]byte) [][]byte {
	var out bytes.Buffer
	w := zlib.NewWriter(&out)
	var parts [][]byte
	for _, m := range msgs {
		out.Reset()
		w.Write(m)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, bytes.Clone(out.Bytes()))
	}
	return parts
}

func zstdStream(t *testing.T, msgs [][]byte, window int) [][]byte {
	var out bytes.Buffer
	w, err := zstd.NewWriter(&out, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(window))
	if err != nil {
		t.Fatal(err)
	}
	var parts [][]byte
	for _, m := range msgs {
		out.Reset()
		w.Write(m)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, bytes.Clone(out.Bytes()))
	}
	return parts
}

// checkStream feeds parts one message at a time and wants all back.
func checkStream(t *testing.T, inf inflater, parts, all [][]byte) {
	t.Helper()
	defer inf.Close()
	for i, p := range parts {
		got, err := inf.Inflate(nil, p)
		if err != nil || !bytes.Equal(got, all[i]) {
			t.Fatalf("message %d: err %v, %d bytes want %d", i, err, len(got), len(all[i]))
		}
	}
}

// repeat is msgs n times over: long enough for state to carry across
// messages and for the windows to wrap.
func repeat(msgs [][]byte, n int) [][]byte {
	var all [][]byte
	for i := 0; i < n; i++ {
		all = append(all, msgs...)
	}
	return all
}

func TestZlibInflater(t *testing.T) {
	all := repeat(messages(), 10)
	checkStream(t, newZlibInflater(1<<20), zlibStream(t, all), all)
}

func TestZstdInflater(t *testing.T) {
	for _, window := range []int{1 << 14, 1 << 18} {
		all := repeat(messages(), 10)
		checkStream(t, newZstdInflater(1<<20, 8<<20), zstdStream(t, all, window), all)
	}
}

func TestInflaterRejectsTruncated(t *testing.T) {
	msgs := messages()
	z := zlibStream(t, msgs)
	inf := newZlibInflater(1 << 20)
	if _, err := inf.Inflate(nil, z[0][:len(z[0])-5]); err == nil {
		t.Fatal("zlib message without its sync flush accepted")
	}
	zs := zstdStream(t, msgs, 1<<18)
	zi := newZstdInflater(1<<20, 8<<20)
	defer zi.Close()
	if _, err := zi.Inflate(nil, zs[0][:len(zs[0])-3]); err == nil {
		t.Fatal("truncated zstd message accepted")
	}
}

func TestJSONEnd(t *testing.T) {
	cases := []struct {
		in   string
		done bool
		bad  bool
	}{
		{`{}`, true, false},
		{` {"a":"}"} `, true, false},
		{`{"a":"\"}"`, false, false},
		{`{"a":[{"b":{}}]`, false, false},
		{`{"a":"\\"}`, true, false},
		{`[1]`, false, true},
		{`{} x`, true, true},
	}
	for _, c := range cases {
		// Byte by byte, as a decoder may hand it out.
		var j jsonEnd
		var done bool
		var err error
		for i := 0; i < len(c.in) && err == nil; i++ {
			done, err = j.scan([]byte{c.in[i]})
		}
		if (err != nil) != c.bad || (!c.bad && done != c.done) {
			t.Errorf("%q: done %v err %v", c.in, done, err)
		}
	}
	var j jsonEnd
	if _, err := j.scan([]byte(`{} {}`)); !errors.Is(err, errTrailing) {
		t.Errorf("two values: %v", err)
	}
}
