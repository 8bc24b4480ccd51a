package protocol

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestUintLen checks the digit count at every power-of-ten boundary against
// strconv's formatting.
func TestUintLen(t *testing.T) {
	vs := []uint64{0, math.MaxUint64, math.MaxUint64 - 1}
	for p := uint64(1); p <= 1e19; p *= 10 {
		vs = append(vs, p-1, p, p+1)
		if p > math.MaxUint64/10 {
			break
		}
	}
	for _, v := range vs {
		if got, want := uintLen(v), len(strconv.FormatUint(v, 10)); got != want {
			t.Errorf("uintLen(%d) = %d, want %d", v, got, want)
		}
	}
}

func TestFrameEncoding(t *testing.T) {
	cases := []Frame{
		{Op: OpDispatch, T: "READY", S: 1, D: []byte(`{"v":10}`)},
		{Op: OpDispatch, T: "MESSAGE_CREATE", S: 123456789, D: []byte(`{"content":"hi"}`)},
		{Op: OpHello, D: []byte(`{"heartbeat_interval":41250}`)},
		{Op: OpHeartbeatACK},
		{Op: OpInvalidSession, D: []byte("false")},
	}
	for _, f := range cases {
		b := f.AppendTo(nil)
		if len(b) != f.Size() {
			t.Errorf("%s: Size %d, encoded %d", b, f.Size(), len(b))
		}
		var env struct {
			T  *string          `json:"t"`
			S  *uint64          `json:"s"`
			Op *int             `json:"op"`
			D  *json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if env.Op == nil || Op(*env.Op) != f.Op {
			t.Errorf("%s: op", b)
		}
		if f.Op == OpDispatch {
			if env.T == nil || *env.T != f.T || env.S == nil || *env.S != f.S {
				t.Errorf("%s: t/s wrong", b)
			}
		} else if env.T != nil || env.S != nil {
			t.Errorf("%s: t/s must be null", b)
		}
		// t, s and op come before d: one client searches for them by substring.
		s := string(b)
		if strings.Index(s, `"d":`) < strings.Index(s, `"op":`) || strings.Index(s, `"op":`) < strings.Index(s, `"s":`) {
			t.Errorf("%s: field order", b)
		}
	}
}

func TestDecodeInbound(t *testing.T) {
	in, err := DecodeInbound([]byte(`{"op":1,"d":251}`))
	if err != nil || in.Op != OpHeartbeat || string(in.D) != "251" {
		t.Fatalf("got %+v %v", in, err)
	}
	for _, bad := range []string{``, `{}`, `[]`, `{"op":"1"}`, `{"op":1.5}`, `{"d":1}`, `nope`, `{"op":1`} {
		if _, err := DecodeInbound([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCheckIntents(t *testing.T) {
	if err := CheckIntents(IntentGuilds|IntentGuildMessages, 0); err != nil {
		t.Fatal(err)
	}
	if err := CheckIntents(1<<26, 0); err != CloseInvalidIntents {
		t.Fatalf("unknown bit: %v", err)
	}
	if err := CheckIntents(IntentGuildPresences, 0); err != CloseDisallowedIntents {
		t.Fatalf("privileged: %v", err)
	}
	if err := CheckIntents(IntentGuildPresences, IntentGuildPresences); err != nil {
		t.Fatal(err)
	}
}

func TestShardOf(t *testing.T) {
	g := Snowflake(41771983423143937)
	if got, want := ShardOf(g, 4), int((uint64(g)>>22)%4); got != want {
		t.Fatalf("ShardOf = %d want %d", got, want)
	}
	if ShardOf(0, 8) != 0 {
		t.Fatal("no guild → shard 0")
	}
}

func FuzzDecodeInbound(f *testing.F) {
	f.Add([]byte(`{"op":2,"d":{"token":"x"}}`))
	f.Add([]byte(`{"op":1,"d":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := DecodeInbound(b)
		if err == nil && len(in.D) > len(b) {
			t.Fatal("d longer than input")
		}
	})
}
