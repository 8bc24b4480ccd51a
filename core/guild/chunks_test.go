package guild

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

type chunkOut struct {
	GuildID    string `json:"guild_id"`
	ChunkIndex int    `json:"chunk_index"`
	ChunkCount int    `json:"chunk_count"`
	Members    []struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"members"`
	NotFound  []string          `json:"not_found"`
	Presences []json.RawMessage `json:"presences"`
	Nonce     *string           `json:"nonce"`
}

func collectChunks(t *testing.T, s *State, req ChunkRequest, users UserFunc, pres PresenceFunc) ([]chunkOut, [][]byte) {
	t.Helper()
	var out []chunkOut
	var raw [][]byte
	err := MembersChunks(s, req, users, pres, func(d []byte) error {
		var c chunkOut
		if err := json.Unmarshal(d, &c); err != nil {
			t.Fatalf("chunk not JSON: %v", err)
		}
		out, raw = append(out, c), append(raw, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, raw
}

func chunkIDs(cs []chunkOut) []string {
	var ids []string
	for _, c := range cs {
		for _, m := range c.Members {
			ids = append(ids, m.User.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func TestMembersChunksAll(t *testing.T) {
	ms := make([]Member, 2500)
	for i := range ms {
		ms[i] = member(uint64(10000 + i))
	}
	s := newTestState(t, gID, 10000, nil, nil, ms)
	cs, _ := collectChunks(t, s, ChunkRequest{Nonce: "n1"}, testUsers, nil)
	if len(cs) != 3 {
		t.Fatalf("%d chunks, want 3", len(cs))
	}
	for i, c := range cs {
		wantLen := []int{1000, 1000, 500}[i]
		if c.ChunkIndex != i || c.ChunkCount != 3 || len(c.Members) != wantLen || c.GuildID != "100" ||
			c.Nonce == nil || *c.Nonce != "n1" || c.NotFound != nil || c.Presences != nil {
			t.Fatalf("chunk %d: index %d count %d members %d nonce %v not_found %v presences %v",
				i, c.ChunkIndex, c.ChunkCount, len(c.Members), c.Nonce, c.NotFound, c.Presences)
		}
	}
	ids := chunkIDs(cs)
	if len(ids) != 2500 || len(slices.Compact(ids)) != 2500 {
		t.Fatal("members missing or repeated across chunks")
	}
	// limit with an empty query
	cs, _ = collectChunks(t, s, ChunkRequest{Limit: 1500}, testUsers, nil)
	if len(cs) != 2 || len(chunkIDs(cs)) != 1500 {
		t.Fatalf("limit 1500: %d chunks %d members", len(cs), len(chunkIDs(cs)))
	}
}

func TestMembersChunksQuery(t *testing.T) {
	names := map[Snowflake]string{1: "alice", 2: "Alicia", 3: "bob", 4: "zed", 5: "ſam", 6: "émile"}
	users := func(uid Snowflake) *User {
		if n, ok := names[uid]; ok {
			return &User{ID: uid, Username: n}
		}
		return nil
	}
	ms := []Member{member(1), member(2), member(3), member(4), member(5), member(6), member(7)}
	ms[3].Nick = ptr("ALbert")
	ms[6].Nick = ptr("Émilie") // no user record: matched by nick
	var many []Member
	for i := uint64(100); i < 400; i++ {
		many = append(many, member(i))
	}
	manyUsers := func(uid Snowflake) *User { return &User{ID: uid, Username: "same"} }

	s := newTestState(t, gID, 1, nil, nil, ms)
	cases := []struct {
		query string
		limit int
		want  []string
	}{
		{"al", 0, []string{"1", "2", "4"}},
		{"AL", 10, []string{"1", "2", "4"}},
		{"alic", 0, []string{"1", "2"}},
		{"S", 0, []string{"5"}}, // ſ folds to s
		{"ÉMI", 0, []string{"6", "7"}},
		{"nobody", 0, nil},
		{"", 0, []string{"1", "2", "3", "4", "5", "6", "7"}},
	}
	for _, tc := range cases {
		cs, _ := collectChunks(t, s, ChunkRequest{Query: tc.query, Limit: tc.limit}, users, nil)
		if got := chunkIDs(cs); !slices.Equal(got, tc.want) || len(cs) != 1 || cs[0].ChunkCount != 1 || cs[0].Members == nil {
			t.Errorf("query %q limit %d: %v (%d chunks) want %v", tc.query, tc.limit, got, len(cs), tc.want)
		}
	}
	if cs, _ := collectChunks(t, s, ChunkRequest{Query: "al", Limit: 2}, users, nil); len(chunkIDs(cs)) != 2 {
		t.Errorf("limit 2 returned %d", len(chunkIDs(cs)))
	}
	big := newTestState(t, gID, 1, nil, nil, many)
	for _, limit := range []int{0, 250} {
		if cs, _ := collectChunks(t, big, ChunkRequest{Query: "sa", Limit: limit}, manyUsers, nil); len(chunkIDs(cs)) != QueryLimitMax {
			t.Errorf("query with limit %d returned %d, want the cap %d", limit, len(chunkIDs(cs)), QueryLimitMax)
		}
	}
}

func TestMembersChunksUserIDsPresencesNonce(t *testing.T) {
	s := newTestState(t, gID, 1, nil, nil, []Member{member(1), member(2), member(3)})
	cs, raw := collectChunks(t, s, ChunkRequest{UserIDs: []Snowflake{2, 9, 3, 2, 8}, Presences: true,
		Nonce: "012345678901234567890123456789012", Query: "ignored"}, testUsers, onlineSet(2))
	if len(cs) != 1 {
		t.Fatalf("%d chunks", len(cs))
	}
	c := cs[0]
	if !slices.Equal(chunkIDs(cs), []string{"2", "3"}) || !slices.Equal(c.NotFound, []string{"9", "8"}) {
		t.Fatalf("user_ids: members %v not_found %v", chunkIDs(cs), c.NotFound)
	}
	if len(c.Presences) != 1 || c.Nonce != nil {
		t.Fatalf("presences %s nonce %v (a 33-byte nonce is dropped)\n%s", c.Presences, c.Nonce, raw[0])
	}
	// every id found: not_found is still an array
	cs, raw = collectChunks(t, s, ChunkRequest{UserIDs: []Snowflake{1}}, testUsers, nil)
	if !strings.Contains(string(raw[0]), `"not_found":[]`) || len(cs[0].Members) != 1 {
		t.Fatalf("single id: %s", raw[0])
	}
}

func TestMembersChunksEmitError(t *testing.T) {
	ms := make([]Member, 2500)
	for i := range ms {
		ms[i] = member(uint64(i + 1))
	}
	s := newTestState(t, gID, 1, nil, nil, ms)
	stop := errors.New("connection gone")
	calls := 0
	err := MembersChunks(s, ChunkRequest{}, nil, nil, func([]byte) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
}

func TestHasPrefixFold(t *testing.T) {
	cases := []struct {
		s, p string
		want bool
	}{
		{"Alice", "al", true}, {"alice", "ALICE", true}, {"al", "alice", false},
		{"sam", "ſ", true}, {"ſam", "S", true}, {"KELVIN", "\u212a", true}, // Kelvin sign folds to K
		{"bob", "", true}, {"", "a", false}, {"émile", "É", true}, {"emile", "é", false},
	}
	for _, tc := range cases {
		if got := hasPrefixFold(tc.s, tc.p); got != tc.want {
			t.Errorf("hasPrefixFold(%q, %q) = %v", tc.s, tc.p, got)
		}
	}
}
