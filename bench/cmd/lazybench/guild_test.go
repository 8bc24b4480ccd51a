package main

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"
	"unicode/utf8"
)

// TestMemberLines decodes generated NDJSON lines with encoding/json and
// checks what the ingest API requires and the layout promises.
func TestMemberLines(t *testing.T) {
	l := newLayout(40000, 100)
	sessions := make([]uint64, l.sessions)
	for i := range sessions {
		sessions[i] = sessionBase + uint64(i)
	}
	seen := map[string]int{}
	var line []byte
	for slot := 0; slot < l.members; slot++ {
		line = appendMember(line[:0], l, slot, sessions, 1)
		var m struct {
			User struct {
				ID       string  `json:"id"`
				Username string  `json:"username"`
				Global   *string `json:"global_name"`
			} `json:"user"`
			Nick  *string  `json:"nick"`
			Roles []string `json:"roles"`
		}
		if line[len(line)-1] != '\n' || json.Unmarshal(line, &m) != nil {
			t.Fatalf("slot %d: not one JSON line: %q", slot, line)
		}
		if n := len(m.User.Username); n < 1 || n > 32 || !utf8.ValidString(m.User.Username) {
			t.Fatalf("slot %d: username %q", slot, m.User.Username)
		}
		if m.User.Global != nil && (utf8.RuneCountInString(*m.User.Global) > 32 || *m.User.Global == "") {
			t.Fatalf("slot %d: global name %q", slot, *m.User.Global)
		}
		id, _ := strconv.ParseUint(m.User.ID, 10, 64)
		switch {
		case slot == 0 && id != ownerID, slot >= 1 && slot <= l.sessions && id != sessions[slot-1],
			slot > l.sessions && id != nodeBase+uint64(slot-1-l.sessions):
			t.Fatalf("slot %d: user id %d", slot, id)
		}
		for _, r := range m.Roles {
			seen[r]++
		}
	}
	want := map[uint64]int{roleAdmin.id: l.admins + 1, roleMod.id: l.mods, roleHelper.id: l.helpers, roleBooster.id: l.boosters}
	for id, n := range want {
		if got := seen[strconv.FormatUint(id, 10)]; got != n {
			t.Errorf("role %d held by %d members, want %d", id, got, n)
		}
	}
	if v := seen[strconv.FormatUint(roleVerified.id, 10)]; v < l.members/2 || v > l.members*7/10 {
		t.Errorf("Verified held by %d of %d members, want about 60 %%", v, l.members)
	}
}

// TestOnlineSet drives the stand-in node's status table at random and
// checks the online set is exactly the users not offline.
func TestOnlineSet(t *testing.T) {
	const users = 500
	n := &node{status: make([]uint8, users), pos: make([]int32, users), rng: rand.New(rand.NewPCG(3, 4)), onSt: [3]float64{0.7, 0.9, 1}}
	for j := range n.pos {
		n.pos[j] = -1
	}
	for step := 0; step < 20000; step++ {
		j := n.rng.IntN(users)
		st := uint8(n.rng.IntN(4))
		n.setStatus(j, st)
		if step%97 != 0 {
			continue
		}
		count := 0
		for u, s := range n.status {
			if s == stOffline {
				if n.pos[u] != -1 {
					t.Fatalf("step %d: offline user %d at %d", step, u, n.pos[u])
				}
				continue
			}
			count++
			if p := n.pos[u]; p < 0 || int(p) >= len(n.online) || n.online[p] != int32(u) {
				t.Fatalf("step %d: online user %d at %d", step, u, p)
			}
		}
		if count != len(n.online) {
			t.Fatalf("step %d: %d online, set holds %d", step, count, len(n.online))
		}
	}
}
