package streamcheck

import (
	"bytes"
	"compress/flate"
	"errors"
	"testing"

	"github.com/klauspost/compress/zstd"
)

var msgs = [][]byte{
	[]byte(`{"t":"READY","s":1,"op":0,"d":{"v":10}}`),
	bytes.Repeat([]byte(`{"id":"1234","name":"Ana"},`), 3000),
	[]byte(`{"t":"TYPING_START","s":3,"op":0,"d":{}}`),
}

// TestZstdCheckerAcceptsFlushed and the tests below prove the checker can
// fail: it accepts a properly flushed stream and rejects the broken ones.
func TestZstdCheckerAcceptsFlushed(t *testing.T) {
	var out bytes.Buffer
	enc, err := zstd.NewWriter(&out, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	s := NewZstd()
	defer s.Close()
	for i, m := range msgs {
		out.Reset()
		enc.Write(m)
		enc.Flush()
		if err := s.Check(out.Bytes(), m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
}

func TestZstdCheckerRejectsUnflushed(t *testing.T) {
	var out bytes.Buffer
	enc, err := zstd.NewWriter(&out, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	enc.Write(msgs[0])
	enc.Flush()
	s := NewZstd()
	defer s.Close()
	if err := s.Check(out.Bytes(), msgs[0]); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	enc.Write(msgs[2]) // buffered, not flushed: nothing to decode yet
	if err := s.Check(out.Bytes(), msgs[2]); !errors.Is(err, ErrStarved) {
		t.Fatalf("unflushed message: err = %v, want ErrStarved", err)
	}
	if err := s.Check(nil, nil); err == nil {
		t.Fatal("a failed stream must keep failing")
	}
}

func TestFlateChecker(t *testing.T) {
	var out bytes.Buffer
	w, _ := flate.NewWriter(&out, 6)
	s := NewFlate()
	for i, m := range msgs {
		out.Reset()
		w.Write(m)
		w.Flush()
		if err := s.Check(out.Bytes(), m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	// A message that was only partly sent starves the decoder.
	out.Reset()
	w.Write(msgs[1])
	w.Flush()
	half := out.Bytes()[:out.Len()/2]
	if err := s.Check(half, msgs[1]); !errors.Is(err, ErrStarved) {
		t.Fatalf("half a message: err = %v, want ErrStarved", err)
	}
}

func TestFlateCheckerRejectsWrongContent(t *testing.T) {
	var out bytes.Buffer
	w, _ := flate.NewWriter(&out, 6)
	w.Write(msgs[0])
	w.Flush()
	wrong := bytes.Clone(msgs[0])
	wrong[5] ^= 1
	if err := NewFlate().Check(out.Bytes(), wrong); err == nil {
		t.Fatal("different content accepted")
	}
}

func TestFlateCheckerRejectsMissingMarker(t *testing.T) {
	var out bytes.Buffer
	w, _ := flate.NewWriter(&out, 6)
	w.Write(msgs[0])
	w.Flush()
	cut := out.Bytes()[:out.Len()-4] // the data decodes, the marker is gone
	if err := NewFlate().Check(cut, msgs[0]); err == nil {
		t.Fatal("message without 00 00 ff ff accepted")
	}
}

func TestPayloadChecker(t *testing.T) {
	var out bytes.Buffer
	w, _ := flate.NewWriter(&out, 6)
	w.Write(msgs[0])
	w.Close()
	// Raw deflate is not a zlib stream.
	if err := Payload(out.Bytes(), msgs[0]); err == nil {
		t.Fatal("raw deflate accepted as payload zlib")
	}
	good := zlibOf(t, msgs[0])
	if err := Payload(good, msgs[0]); err != nil {
		t.Fatal(err)
	}
	if err := Payload(good[:len(good)-1], msgs[0]); err == nil {
		t.Fatal("truncated checksum accepted")
	}
	if err := Payload(append(bytes.Clone(good), 0), msgs[0]); err == nil {
		t.Fatal("trailing garbage accepted")
	}
}
