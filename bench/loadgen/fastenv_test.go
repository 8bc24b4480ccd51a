package loadgen

import (
	"bytes"
	"encoding/json"
	"testing"

	"gatehouse/core/protocol"
)

// TestParseDispatchMatchesDecoder: on what gatehouse writes, the fast
// path reads what encoding/json reads.
func TestParseDispatchMatchesDecoder(t *testing.T) {
	for _, c := range []struct {
		t string
		s uint64
		d string
	}{
		{"MESSAGE_CREATE", 1, `{"id":"1","nonce":"x"}`},
		{"READY", 18446744073709551615, `{}`},
		{"TYPING_START", 42, `null`},
		{"GUILD_MEMBER_LIST_UPDATE", 7, `{"ops":[{"op":"SYNC","range":[0,99]}]}`},
	} {
		b := protocol.AppendDispatch(nil, c.t, c.s, []byte(c.d))
		ty, s, d, ok := parseDispatch(b)
		if c.s > 1e18 {
			if ok {
				t.Fatalf("%s: a 20-digit seq took the fast path", b)
			}
			continue
		}
		if !ok || string(ty) != c.t || s != c.s || string(d) != c.d {
			t.Fatalf("%s: got %q %d %q %v", b, ty, s, d, ok)
		}
	}
	for _, bad := range []string{
		`{"t":null,"s":null,"op":11,"d":null}`,
		`{"t":"A\"B","s":1,"op":0,"d":{}}`,
		`{"t":"X","s":01,"op":0,"d":{}}`,
		`{"t":"X","s":1,"op":0,"d":}`,
		`{"op":0,"t":"X","s":1,"d":{}}`,
		`{"t":"X","s":,"op":0,"d":{}}`,
	} {
		if _, _, _, ok := parseDispatch([]byte(bad)); ok {
			t.Fatalf("%s took the fast path", bad)
		}
	}
}

// FuzzParseDispatch: whenever the fast path accepts an input that is
// valid JSON, encoding/json reads the same t, s and d from it; it never
// panics on anything.
func FuzzParseDispatch(f *testing.F) {
	f.Add([]byte(`{"t":"MESSAGE_CREATE","s":3,"op":0,"d":{"a":1}}`))
	f.Add([]byte(`{"t":"X","s":0,"op":0,"d":null}`))
	f.Add([]byte(`{"t":null,"s":null,"op":1,"d":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ty, s, d, ok := parseDispatch(b)
		if !ok || !json.Valid(b) {
			return
		}
		var env struct {
			T  *string         `json:"t"`
			S  *uint64         `json:"s"`
			Op *int            `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("%q: fast path ok, decoder: %v", b, err)
		}
		if env.T == nil || *env.T != string(ty) || env.S == nil || *env.S != s || env.Op == nil || *env.Op != 0 || !bytes.Equal(bytes.TrimSpace(env.D), bytes.TrimSpace(d)) {
			t.Fatalf("%q: fast %q %d %q; decoder %+v", b, ty, s, d, env)
		}
	})
}
