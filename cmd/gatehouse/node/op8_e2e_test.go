package node_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/gatetest"
)

const (
	o8Guild     = 6000
	o8Channel   = 6100
	o8Owner     = 6001
	o8Requester = 6002 // GUILD_MEMBERS and GUILD_PRESENCES granted
	o8Other     = 6003 // online, no privileged intents
	o8Bulk      = 2500
	o8FirstBulk = 7_000_000
)

// o8Name is bulk member i's username and nick: 30 "Zed…" usernames, 10
// more whose nick (not username) starts with "zed", 150 "q…" usernames.
func o8Name(i int) (username string, nick string) {
	switch {
	case i < 30:
		return fmt.Sprintf("Zed%d", i), ""
	case i < 40:
		return fmt.Sprintf("u%d", i), fmt.Sprintf("zedo%d", i)
	case i < 190:
		return fmt.Sprintf("q%d", i), ""
	}
	return fmt.Sprintf("u%d", i), ""
}

// chunk is GUILD_MEMBERS_CHUNK's d as the test reads it.
type chunk struct {
	GuildID    string `json:"guild_id"`
	ChunkIndex int    `json:"chunk_index"`
	ChunkCount int    `json:"chunk_count"`
	Nonce      string `json:"nonce"`
	Members    []struct {
		User struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"user"`
		Nick *string `json:"nick"`
	} `json:"members"`
	NotFound  []json.RawMessage `json:"not_found"`
	Presences []struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		Status string `json:"status"`
	} `json:"presences"`
}

// requestMembers sends op 8 with d (nonce added) and returns its chunks,
// checking the chunk protocol: indices 0…count-1 in order, one count,
// the nonce echoed, at most 1000 members each.
func requestMembers(t *testing.T, s *gatetest.Session, nonce string, d map[string]any) []chunk {
	t.Helper()
	d["guild_id"] = itoa(o8Guild)
	d["nonce"] = nonce
	b, _ := json.Marshal(map[string]any{"op": 8, "d": d})
	s.SendText(string(b))
	var out []chunk
	s.Until("GUILD_MEMBERS_CHUNK", func(m gatetest.Msg) bool {
		var c chunk
		if err := json.Unmarshal(m.D, &c); err != nil {
			t.Fatalf("chunk: %v: %.200s", err, m.D)
		}
		if c.Nonce != nonce {
			return false
		}
		if c.ChunkIndex != len(out) || c.ChunkCount < 1 || (len(out) > 0 && c.ChunkCount != out[0].ChunkCount) {
			t.Fatalf("nonce %s: chunk %d/%d after %d chunks", nonce, c.ChunkIndex, c.ChunkCount, len(out))
		}
		if len(c.Members) > 1000 || c.GuildID != itoa(o8Guild) {
			t.Fatalf("nonce %s: chunk of %d members for guild %s", nonce, len(c.Members), c.GuildID)
		}
		out = append(out, c)
		return c.ChunkIndex == c.ChunkCount-1
	})
	return out
}

func chunkIDs(cs []chunk) []string {
	var ids []string
	for _, c := range cs {
		for _, m := range c.Members {
			ids = append(ids, m.User.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// TestRequestGuildMembers: op 8 over a real socket against 2,503 members,
// 2,500 of them loaded through the NDJSON batch endpoint: the whole list
// in chunks of at most 1000, a case-insensitive prefix over usernames and
// nicks, the 100-member cap on queries, limit, user_ids with not_found,
// presences of online members only, and the nonce on every chunk. A
// session connecting after the load gets a large GUILD_CREATE.
func TestRequestGuildMembers(t *testing.T) {
	n := startNode(t)
	for u, grant := range map[uint64]int{o8Owner: 0, o8Requester: intentGuildMembers | intentGuildPresences, o8Other: 0} {
		gatetest.MustIngest(t, n, "PUT", fmt.Sprintf("/users/%d", u), fmt.Sprintf(`{"username":"user%d","privileged_intents":%d}`, u, grant))
	}
	gatetest.MustIngest(t, n, "PUT", fmt.Sprintf("/guilds/%d", o8Guild), fmt.Sprintf(`{"name":"Chunks","owner_id":"%d","channels":[{"id":"%d","type":0,"name":"general"}]}`, o8Owner, o8Channel))
	for _, u := range []uint64{o8Owner, o8Requester, o8Other} {
		gatetest.MustIngest(t, n, "PUT", fmt.Sprintf("/guilds/%d/members/%d", o8Guild, u), `{}`)
	}
	all := intentGuilds | intentGuildMessages | intentGuildMembers | intentGuildPresences
	req := gatetest.Connect(t, n, o8Requester, uint64(all), nil)
	req.Until("GUILD_CREATE", nil)
	other := gatetest.Connect(t, n, o8Other, intentGuilds|intentGuildMessages, nil)
	other.Until("GUILD_CREATE", nil)

	// The bulk load, while the guild is loaded on the node.
	var batch strings.Builder
	want := []string{itoa(o8Owner), itoa(o8Requester), itoa(o8Other)}
	for i := 0; i < o8Bulk; i++ {
		name, nick := o8Name(i)
		id := itoa(uint64(o8FirstBulk + i))
		want = append(want, id)
		line := map[string]any{"user": map[string]any{"id": id, "username": name}, "roles": []string{}}
		if nick != "" {
			line["nick"] = nick
		}
		b, _ := json.Marshal(line)
		batch.Write(b)
		batch.WriteByte('\n')
	}
	slices.Sort(want)
	gatetest.MustIngest(t, n, "POST", fmt.Sprintf("/guilds/%d/members:batch", o8Guild), batch.String())

	// The whole list. Members of a batch reach the node's cache through
	// the store watch, so poll until all are there.
	var full []chunk
	deadline := time.Now().Add(gatetest.Wait)
	for try := 0; ; try++ {
		full = requestMembers(t, req, fmt.Sprintf("all%d", try), map[string]any{"query": "", "limit": 0})
		if len(chunkIDs(full)) == len(want) || time.Now().After(deadline) {
			t.Logf("whole list complete after %d request(s)", try+1)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := chunkIDs(full); !slices.Equal(got, want) {
		t.Fatalf("whole list: %d members in %d chunks, want %d", len(got), len(full), len(want))
	}
	if len(full) != 3 || len(full[0].Members) != 1000 || len(full[1].Members) != 1000 || len(full[2].Members) != 503 {
		t.Errorf("whole list chunk sizes: %d chunks", len(full))
	}
	if full[0].NotFound != nil {
		t.Errorf("not_found without user_ids")
	}

	// A prefix matches usernames and nicks, ignoring case.
	zed := requestMembers(t, req, "zed", map[string]any{"query": "ZED", "limit": 0})
	var wantZed []string
	for i := 0; i < 40; i++ {
		wantZed = append(wantZed, itoa(uint64(o8FirstBulk+i)))
	}
	if got := chunkIDs(zed); len(zed) != 1 || !slices.Equal(got, wantZed) {
		t.Errorf("query ZED: %d chunks, %v", len(zed), got)
	}
	// A query returns at most 100, and at most limit.
	for _, tc := range []struct {
		nonce string
		d     map[string]any
		want  int
	}{
		{"q-cap", map[string]any{"query": "q", "limit": 0}, 100},
		{"q-limit", map[string]any{"query": "q", "limit": 7}, 7},
		{"empty-limit", map[string]any{"query": "", "limit": 5}, 5},
		{"no-match", map[string]any{"query": "nobody", "limit": 10}, 0},
	} {
		cs := requestMembers(t, req, tc.nonce, tc.d)
		if len(cs) != 1 || len(cs[0].Members) != tc.want {
			t.Errorf("%s: %d chunks, %d members, want %d", tc.nonce, len(cs), len(chunkIDs(cs)), tc.want)
			continue
		}
		if q := tc.d["query"].(string); q != "" {
			for _, m := range cs[0].Members {
				if !strings.HasPrefix(strings.ToLower(m.User.Username), q) {
					t.Errorf("%s: %q does not match", tc.nonce, m.User.Username)
				}
			}
		}
	}

	// user_ids: members found, the rest in not_found.
	ids := requestMembers(t, req, "ids", map[string]any{"user_ids": []string{itoa(o8Requester), itoa(o8FirstBulk + 1), "999999"}})
	if got := chunkIDs(ids); len(ids) != 1 || !slices.Equal(got, []string{itoa(o8Requester), itoa(o8FirstBulk + 1)}) {
		t.Errorf("user_ids: %v", got)
	}
	if len(ids[0].NotFound) != 1 || strings.Trim(string(ids[0].NotFound[0]), `"`) != "999999" {
		t.Errorf("not_found: %s", ids[0].NotFound)
	}

	// presences: the online members of the answer only.
	pr := requestMembers(t, req, "pres", map[string]any{"user_ids": []string{itoa(o8Requester), itoa(o8Other), itoa(o8FirstBulk + 2)}, "presences": true})
	var online []string
	for _, p := range pr[0].Presences {
		online = append(online, p.User.ID)
		if p.Status != "online" {
			t.Errorf("presence of %s: %q", p.User.ID, p.Status)
		}
	}
	slices.Sort(online)
	if !slices.Equal(online, []string{itoa(o8Requester), itoa(o8Other)}) {
		t.Errorf("presences: %v", online)
	}

	// A new session gets the large guild trimmed to online members.
	late := gatetest.Connect(t, n, o8Requester, uint64(all), nil)
	got := late.Until("GUILD_CREATE", nil)
	gc := decodeGuildCreate(t, got[len(got)-1])
	var members []string
	for _, m := range gc.Members {
		members = append(members, m.User.ID)
	}
	slices.Sort(members)
	var large struct {
		Large bool `json:"large"`
	}
	_ = json.Unmarshal(got[len(got)-1].D, &large)
	if gc.MemberCount != len(want) || !large.Large || !slices.Equal(members, []string{itoa(o8Requester), itoa(o8Other)}) {
		t.Errorf("late GUILD_CREATE: member_count %d, large %v, members %v", gc.MemberCount, large.Large, members)
	}
}
