package memberlist

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendSortNameFolds(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Alice", "alice"},
		{"ÅSA", "åsa"},
		{"ſam", "sam"},            // long s folds with S and s
		{"\u212Aelvin", "kelvin"}, // the Kelvin sign folds with K and k
		{"a\x00b", "ab"},          // zero bytes are dropped
		{"\xffBad", "\xffbad"},    // invalid UTF-8 is kept byte for byte
		{"", ""},
	}
	for _, c := range cases {
		if got := string(AppendSortName(nil, c.in)); got != c.want {
			t.Errorf("AppendSortName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := string(AppendSortName([]byte("x:"), "AB")); got != "x:ab" {
		t.Errorf("append to a prefix: %q", got)
	}
}

// TestAppendSortNameIsAlwaysValid: whatever the display name, the sort
// name passes Validate, and long names are cut at a rune boundary.
func TestAppendSortNameIsAlwaysValid(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	runes := []rune{'a', 'Z', 0, 'é', 'ß', '日', '\U0001F600', 'ſ', 0x212A}
	for range 2000 {
		var b strings.Builder
		for range r.IntN(700) {
			if r.IntN(50) == 0 {
				b.WriteByte(0xff)
				continue
			}
			b.WriteRune(runes[r.IntN(len(runes))])
		}
		name := AppendSortName(nil, b.String())
		c := Change{Kind: Upsert, User: 1, Group: GroupOnline, Name: name}
		if err := c.Validate(); err != nil {
			t.Fatalf("%q: %v", b.String(), err)
		}
		if utf8.ValidString(b.String()) && !utf8.Valid(name) {
			t.Fatalf("cut inside a rune: %q", name[max(len(name)-8, 0):])
		}
	}
}

func TestValidateRefuses(t *testing.T) {
	long := make([]byte, MaxNameLen+1)
	bad := []Change{
		{Kind: Upsert, Name: long},
		{Kind: Upsert, Name: []byte{'a', 0}},
		{Kind: SetOrder, Order: []GroupID{1, 2, 1}},
		{Kind: SetOrder, Order: make([]GroupID, MaxOrderLen+1)},
		{Kind: 0},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	ok := []Change{
		{Kind: Upsert, Name: long[:MaxNameLen]},
		{Kind: Remove, User: 5},
		{Kind: SetOrder, Order: []GroupID{GroupOnline, GroupOffline}},
		{Kind: SetOrder},
	}
	for i := range ok {
		ok[i].Name = []byte(strings.Repeat("a", len(ok[i].Name)))
		if err := ok[i].Validate(); err != nil {
			t.Errorf("%+v refused: %v", ok[i].Kind, err)
		}
	}
}
