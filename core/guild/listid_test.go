package guild

import (
	"testing"

	"gatehouse/core/protocol"
)

// TestMurmur3Vectors checks the hash against SMHasher's published vectors.
func TestMurmur3Vectors(t *testing.T) {
	cases := []struct {
		in   string
		seed uint32
		want uint32
	}{
		{"", 0, 0},
		{"", 1, 0x514e28b7},
		{"", 0xffffffff, 0x81f16f39},
		{"\x00\x00\x00\x00", 0, 0x2362f9de},
		{"\x21\x43\x65\x87", 0, 0xf55b516b},
		{"\x21\x43\x65\x87", 0x5082edee, 0x2362f9de},
		{"\x21\x43\x65", 0, 0x7e4a8634},
		{"\x21\x43", 0, 0xa0f7b07a},
		{"\x21", 0, 0x72661cf4},
		{"Hello, world!", 0x9747b28c, 0x24884cba},
		{"The quick brown fox jumps over the lazy dog", 0x9747b28c, 0x2fa826cd},
	}
	for _, c := range cases {
		if got := Murmur3([]byte(c.in), c.seed); got != c.want {
			t.Errorf("Murmur3(%q, %#x) = %#x, want %#x", c.in, c.seed, got, c.want)
		}
	}
}

func TestListID(t *testing.T) {
	const gid = 100
	view := protocol.PermViewChannel
	mk := func(everyonePerms protocol.Permissions) *State {
		return NewState(Guild{ID: gid, OwnerID: 1}, []Role{{ID: gid, Permissions: everyonePerms}, {ID: 7}}, nil, nil, 1)
	}
	open := mk(view)
	if id := open.ListID(&Channel{ID: 1}); id != ListIDEveryone {
		t.Fatalf("public channel: %s", id)
	}
	if id := open.ListID(&Channel{ID: 2, PermissionOverwrites: []Overwrite{{ID: 7, Allow: view}}}); id != ListIDEveryone {
		t.Fatalf("allow-only overwrite keeps everyone: %s", id)
	}
	private := []Overwrite{{ID: gid, Deny: view}, {ID: 7, Allow: view}}
	want := Murmur3([]byte("allow:7,deny:100"), 0)
	if id := open.ListID(&Channel{ID: 3, PermissionOverwrites: private}); id != itoa(want) {
		t.Fatalf("private channel: %s want %d", id, want)
	}
	// Order of overwrites does not matter; same overwrites share a list.
	rev := []Overwrite{private[1], private[0]}
	if open.ListID(&Channel{ID: 4, PermissionOverwrites: rev}) != open.ListID(&Channel{ID: 3, PermissionOverwrites: private}) {
		t.Fatal("overwrite order changed the list id")
	}
	// @everyone without VIEW_CHANNEL: hashed even with no overwrites.
	if id := mk(0).ListID(&Channel{ID: 5}); id != itoa(Murmur3(nil, 0)) {
		t.Fatalf("no view for everyone: %s", id)
	}
}

func itoa(v uint32) string { return protocol.Snowflake(v).String() }
