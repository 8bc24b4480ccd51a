package node_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"gatehouse/core/hub/lazyclient"
	"gatehouse/internal/gatetest"
)

// luRow is the part of a member-list row the USER_UPDATE test reads.
type luRow struct {
	Group *struct {
		ID string `json:"id"`
	} `json:"group"`
	Member *struct {
		User struct {
			ID         string  `json:"id"`
			Username   string  `json:"username"`
			GlobalName *string `json:"global_name"`
			Avatar     *string `json:"avatar"`
		} `json:"user"`
	} `json:"member"`
}

// luLayout is the client's "everyone" list as row labels: "group:<id>" or
// the member's user id; and the target's row.
func luLayout(t *testing.T, c *lzClient, target uint64) (labels []string, row luRow) {
	t.Helper()
	l := c.lists["everyone"]
	if l == nil {
		t.Fatal("the client holds no everyone list")
	}
	for i, raw := range l.Rows {
		var r luRow
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("row %d: %v: %s", i, err, raw)
		}
		switch {
		case r.Group != nil:
			labels = append(labels, "group:"+r.Group.ID)
		case r.Member != nil:
			labels = append(labels, r.Member.User.ID)
			if r.Member.User.ID == itoa(target) {
				row = r
			}
		default:
			t.Fatalf("row %d is neither group nor member: %s", i, raw)
		}
	}
	return labels, row
}

// TestLazyUserUpdateRefreshesRows: a USER_UPDATE (PUT /ingest/v1/users/{id})
// of a member changes the row a subscriber holding [0,99] sees. A new
// global name moves the row to where its display name sorts, an avatar
// change alone updates it in place, and dropping the global name moves it
// back; after each the client's rows equal an order the test computes on
// its own and the node's list (Hub.LazyRows).
func TestLazyUserUpdateRefreshesRows(t *testing.T) {
	n := startNode(t)
	put := func(path, body string) { gatetest.MustIngest(t, n, "PUT", path, body) }
	const (
		client = lzClient0
		target = lzBulk0 + 5
	)
	put(fmt.Sprintf("/users/%d", lzOwner), `{"username":"zowner"}`)
	put(fmt.Sprintf("/users/%d", client), fmt.Sprintf(`{"username":"client","privileged_intents":%d}`, intentGuildMembers|intentGuildPresences))
	put(fmt.Sprintf("/guilds/%d", lzGuild), fmt.Sprintf(`{"name":"Users","owner_id":"%d","roles":[{"id":"%d","name":"@everyone","permissions":"%d"}],"channels":[{"id":"%d","type":0,"name":"open"}]}`,
		lzOwner, lzGuild, viewChannel, lzOpen))
	for _, u := range []uint64{lzOwner, client} {
		put(fmt.Sprintf("/guilds/%d/members/%d", lzGuild, u), `{"roles":[]}`)
	}
	// Ten offline members m00..m09, the target among them as m05.
	var bulk []uint64
	for i := range 10 {
		u := uint64(lzBulk0 + i)
		bulk = append(bulk, u)
		put(fmt.Sprintf("/users/%d", u), fmt.Sprintf(`{"username":"m%02d"}`, i))
		put(fmt.Sprintf("/guilds/%d/members/%d", lzGuild, u), `{"roles":[]}`)
	}

	s := gatetest.Connect(t, n, client, lzIntents, nil)
	s.Until("GUILD_CREATE", nil)
	c := &lzClient{s: s, lists: lazyclient.Lists{}, held: map[string][]int{}}
	c.subscribe([]int{0}, nil)
	c.readUntil(t, "the first SYNC", func(m gatetest.Msg) bool { return m.Name() == "GUILD_MEMBER_LIST_UPDATE" })
	c.converge(t, n, 0)

	// want is the list as the test expects it: the client online, then the
	// offline members by folded display name.
	want := func(offline ...uint64) []string {
		out := []string{"group:online", itoa(client), "group:offline"}
		for _, u := range offline {
			out = append(out, itoa(u))
		}
		return out
	}
	without := slices.DeleteFunc(slices.Clone(bulk), func(u uint64) bool { return u == target })
	check := func(step int, what string, order []string, global, avatar *string) {
		t.Helper()
		labels, row := luLayout(t, c, target)
		if !slices.Equal(labels, order) {
			t.Fatalf("step %d (%s): client rows\n got %v\nwant %v", step, what, labels, order)
		}
		u := row.Member.User
		if !equalPtr(u.GlobalName, global) || !equalPtr(u.Avatar, avatar) {
			t.Fatalf("step %d (%s): target row has global_name %s avatar %s, want %s %s",
				step, what, strPtr(u.GlobalName), strPtr(u.Avatar), strPtr(global), strPtr(avatar))
		}
		c.converge(t, n, step) // and the node's list is the same
	}
	sp := func(v string) *string { return &v }
	initial := want(append(slices.Clone(bulk), lzOwner)...)
	moved := want(append(append([]uint64{target}, without...), lzOwner)...)
	check(0, "before", initial, nil, nil)

	steps := []struct {
		what, body     string
		order          []string
		global, avatar *string
	}{
		{"global name Aaron sorts first", `{"username":"m05","global_name":"Aaron"}`, moved, sp("Aaron"), nil},
		{"avatar alone: same place", `{"username":"m05","global_name":"Aaron","avatar":"0123456789abcdef0123456789abcdef"}`, moved, sp("Aaron"), sp("0123456789abcdef0123456789abcdef")},
		{"no global name: back to m05", `{"username":"m05","avatar":"0123456789abcdef0123456789abcdef"}`, initial, nil, sp("0123456789abcdef0123456789abcdef")},
	}
	for i, st := range steps {
		put(fmt.Sprintf("/users/%d", target), st.body)
		c.readUntil(t, st.what+": a list update", func(m gatetest.Msg) bool { return m.Name() == "GUILD_MEMBER_LIST_UPDATE" })
		check(i+1, st.what, st.order, st.global, st.avatar)
	}
}

func equalPtr(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func strPtr(p *string) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprintf("%q", *p)
}
