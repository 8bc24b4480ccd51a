package auth

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestMintVerifyRoundTrip(t *testing.T) {
	s, err := NewSigner("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint64{1, 80351110224678912, 1<<63 + 12345} {
		tok := s.Mint(id, time.Unix(1700000000, 0))
		for _, form := range []string{tok, "Bot " + tok} {
			got, err := s.Verify(form)
			if err != nil || got != id {
				t.Fatalf("Verify(%q) = %d, %v; want %d", form, got, err, id)
			}
		}
		// disgo reads the user id from part one with RawStdEncoding.
		raw, err := base64.RawStdEncoding.DecodeString(strings.Split(tok, ".")[0])
		if err != nil {
			t.Fatalf("part one not RawStd base64: %v", err)
		}
		if string(raw) == "" {
			t.Fatal("empty id part")
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	s, _ := NewSigner("s3cret")
	other, _ := NewSigner("other")
	good := s.Mint(42, time.Now())
	parts := strings.Split(good, ".")
	forgedID := base64.RawStdEncoding.EncodeToString([]byte("43")) + "." + parts[1] + "." + parts[2]
	cases := map[string]string{
		"empty":        "",
		"one part":     "abc",
		"two parts":    "abc.def",
		"four parts":   good + ".x",
		"other secret": other.Mint(42, time.Now()),
		"forged id":    forgedID,
		"bad sig b64":  parts[0] + "." + parts[1] + ".!!!",
		"huge":         strings.Repeat("a", MaxTokenLen+1),
		"zero id": func() string {
			p1 := base64.RawStdEncoding.EncodeToString([]byte("0"))
			m := s.mac(p1, parts[1])
			return p1 + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(m)
		}(),
	}
	for name, tok := range cases {
		if _, err := s.Verify(tok); err == nil {
			t.Errorf("%s: Verify(%q) accepted", name, tok)
		}
	}
	if _, err := NewSigner(""); err == nil {
		t.Error("empty secret accepted")
	}
}

func FuzzVerify(f *testing.F) {
	s, _ := NewSigner("fuzz")
	f.Add(s.Mint(1, time.Unix(0, 0)))
	f.Add("Bot a.b.c")
	f.Fuzz(func(t *testing.T, tok string) {
		id, err := s.Verify(tok)
		if err == nil && s.Mint(id, time.Unix(0, 0)) == "" {
			t.Fatal("unreachable")
		}
	})
}
