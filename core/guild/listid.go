package guild

import (
	"encoding/binary"
	"math/bits"
	"sort"
	"strconv"

	"gatehouse/core/protocol"
)

// ListIDEveryone is the member-list id of channels @everyone may view with
// no overwrite denying VIEW_CHANNEL.
const ListIDEveryone = "everyone"

// ListID is the member-list id of a channel (PROTOCOL.md, "Lazy member
// lists"): "everyone" when @everyone may view it and no overwrite denies
// VIEW_CHANNEL; otherwise the decimal MurmurHash3-32 (seed 0) of the sorted
// "allow:<id>" / "deny:<id>" VIEW_CHANNEL overwrite entries joined by ",".
// Channels with the same id share a list.
func (s *State) ListID(ch *Channel) string {
	var entries []string
	denied := false
	for _, o := range ch.PermissionOverwrites {
		if o.Deny&protocol.PermViewChannel != 0 {
			entries = append(entries, "deny:"+o.ID.String())
			denied = true
		}
		if o.Allow&protocol.PermViewChannel != 0 {
			entries = append(entries, "allow:"+o.ID.String())
		}
	}
	everyone, ok := s.roles[s.guild.ID]
	everyoneViews := ok && everyone.Permissions&(protocol.PermViewChannel|protocol.PermAdministrator) != 0
	if everyoneViews && !denied {
		return ListIDEveryone
	}
	sort.Strings(entries)
	n := 0
	for i, e := range entries {
		if i > 0 {
			n++
		}
		n += len(e)
	}
	buf := make([]byte, 0, n)
	for i, e := range entries {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, e...)
	}
	return strconv.FormatUint(uint64(Murmur3(buf, 0)), 10)
}

// Murmur3 is MurmurHash3's x86 32-bit hash.
func Murmur3(data []byte, seed uint32) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	h := seed
	n := len(data)
	for len(data) >= 4 {
		k := binary.LittleEndian.Uint32(data)
		data = data[4:]
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	var k uint32
	switch len(data) {
	case 3:
		k ^= uint32(data[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(data[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(data[0])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= uint32(n)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
