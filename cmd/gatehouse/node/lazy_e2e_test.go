package node_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/cmd/gatehouse/node"
	"gatehouse/core/hub/lazyclient"
	"gatehouse/internal/gatetest"
)

const (
	lzGuild    = 9000
	lzOpen     = 9100 // @everyone views it: list "everyone"
	lzPrivate  = 9101 // @everyone denied, role A allowed (and more, as churn goes)
	lzRoleA    = 9200
	lzRoleB    = 9201
	lzRoleC    = 9202
	lzOwner    = 9300
	lzClient0  = 9310 // 4 clients holding lists; role A, never change
	lzPres0    = 9320 // 6 users whose sessions flip presence with op 3
	lzBulk0    = 9_500_000
	lzBulk     = 150
	lzSteps    = 100
	lzIntents  = intentGuilds | intentGuildMembers | intentGuildPresences
	lzReadPoll = 30 * time.Millisecond
)

// lzClient is one raw gateway session that subscribes with op 14 and
// applies every GUILD_MEMBER_LIST_UPDATE through lazyclient.
type lzClient struct {
	s     *gatetest.Session
	lists lazyclient.Lists
	// held is, per list id, the chunks the server's SYNC and INVALIDATE
	// say the client holds.
	held map[string][]int
	// open and private are the chunks it asked for in each channel.
	open, private []int
	updates       int
}

// apply handles one dispatch read from the socket.
func (c *lzClient) apply(t *testing.T, m gatetest.Msg) {
	t.Helper()
	if m.Name() != "GUILD_MEMBER_LIST_UPDATE" {
		return
	}
	res, err := c.lists.Apply(m.D)
	if err != nil {
		t.Fatalf("user %d: %v\n%.2000s", c.s.User, err, m.D)
	}
	c.updates++
	u := res.Update
	if u.GuildID != itoa(lzGuild) {
		t.Fatalf("user %d: list update for guild %s", c.s.User, u.GuildID)
	}
	for _, op := range u.Ops {
		k := op.Range
		switch op.Op {
		case "SYNC":
			if !slices.Contains(c.held[u.ID], k[0]/100) {
				c.held[u.ID] = append(c.held[u.ID], k[0]/100)
				slices.Sort(c.held[u.ID])
			}
		case "INVALIDATE":
			c.held[u.ID] = slices.DeleteFunc(c.held[u.ID], func(x int) bool { return x == k[0]/100 })
		}
	}
}

// readUntil reads (applying list updates) until match holds for a
// dispatch; nil match reads whatever is there within one poll.
func (c *lzClient) readUntil(t *testing.T, what string, match func(gatetest.Msg) bool) {
	t.Helper()
	deadline := time.Now().Add(gatetest.Wait)
	for {
		wait := lzReadPoll
		if match != nil {
			wait = time.Until(deadline)
			if wait <= 0 {
				t.Fatalf("user %d: no %s within %v", c.s.User, what, gatetest.Wait)
			}
		}
		m, err := c.s.Read(wait)
		if err != nil {
			if match == nil && isTimeout(err) {
				return
			}
			t.Fatalf("user %d: waiting for %s: %v", c.s.User, what, err)
		}
		if m.Op != 0 {
			continue
		}
		c.apply(t, m)
		if match != nil && match(m) {
			return
		}
	}
}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// mismatch compares the client's held windows with the node's lists and
// says what differs ("" when nothing).
func (c *lzClient) mismatch(n *node.Node) string {
	var other []string
	for id, chunks := range c.held {
		if len(chunks) > 0 && id != "everyone" {
			other = append(other, id)
		}
	}
	if !slices.Equal(c.held["everyone"], c.open) {
		return fmt.Sprintf("holds %v of everyone, asked %v", c.held["everyone"], c.open)
	}
	switch {
	case len(c.private) > 0 && len(other) != 1:
		return fmt.Sprintf("holds private lists %v, wants one", other)
	case len(c.private) == 0 && len(other) != 0:
		return fmt.Sprintf("holds private lists %v, wants none", other)
	case len(other) == 1 && !slices.Equal(c.held[other[0]], c.private):
		return fmt.Sprintf("holds %v of %s, asked %v", c.held[other[0]], other[0], c.private)
	}
	for id, chunks := range c.held {
		if len(chunks) == 0 {
			continue
		}
		cl := c.lists[id]
		for _, k := range chunks {
			items, length, ok := n.Hub.LazyRows(lzGuild, id, k*100, k*100+99)
			if !ok {
				return fmt.Sprintf("list %s is not kept by the node", id)
			}
			// Past its last chunk the array may lag the list (batches that
			// touched nothing held are not sent); every held row is there.
			if len(items) > 0 && len(cl.Rows) < k*100+len(items) {
				return fmt.Sprintf("list %s: %d rows, node %d", id, len(cl.Rows), length)
			}
			for i, it := range items {
				if !bytes.Equal(cl.Rows[k*100+i], it) {
					return fmt.Sprintf("list %s row %d:\n got %s\nwant %s", id, k*100+i, cl.Rows[k*100+i], it)
				}
			}
		}
	}
	return ""
}

// converge reads until the client's windows equal the node's lists.
func (c *lzClient) converge(t *testing.T, n *node.Node, step int) {
	t.Helper()
	deadline := time.Now().Add(gatetest.Wait)
	for {
		why := c.mismatch(n)
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("step %d: user %d never matched the node: %s", step, c.s.User, why)
		}
		c.readUntil(t, "", nil)
	}
}

// subscribe sends op 14 for the client's chunks.
func (c *lzClient) subscribe(open, private []int) {
	chans := map[string][][2]int{}
	ranges := func(ks []int) [][2]int {
		out := [][2]int{}
		for _, k := range ks {
			out = append(out, [2]int{k * 100, k*100 + 99})
		}
		return out
	}
	if len(open) > 0 || len(c.open) > 0 {
		chans[itoa(lzOpen)] = ranges(open)
	}
	if len(private) > 0 || len(c.private) > 0 {
		chans[itoa(lzPrivate)] = ranges(private)
	}
	c.open, c.private = open, private
	b, _ := json.Marshal(map[string]any{"op": 14, "d": map[string]any{"guild_id": itoa(lzGuild), "channels": chans, "typing": true, "activities": true}})
	c.s.SendText(string(b))
}

// lzMember is the test's record of a member.
type lzMember struct {
	nick  string
	roles []uint64
}

func (m lzMember) json() string {
	rs := make([]string, len(m.roles))
	for i, r := range m.roles {
		rs[i] = fmt.Sprintf(`"%d"`, r)
	}
	nick := "null"
	if m.nick != "" {
		b, _ := json.Marshal(m.nick)
		nick = string(b)
	}
	return fmt.Sprintf(`{"nick":%s,"roles":[%s]}`, nick, strings.Join(rs, ","))
}

// TestLazyMemberListEndToEnd: four raw WebSocket clients hold chunks of
// two member lists (op 14) while the test drives 100 random changes
// through the ingest API (joins, leaves, nicks, roles, hoist and position
// of roles, overwrites of the private channel) and op 3 presence changes
// from six other sessions. After every change each client reads until the
// change's own dispatch (GUILD_MEMBER_*, PRESENCE_UPDATE, GUILD_ROLE_UPDATE,
// CHANNEL_UPDATE, which the hub sends just before the list update of the
// same change) and then until its arrays equal the node's lists
// (Hub.LazyRows) in every held row and in length. Every op must apply
// (lazyclient refuses out-of-range indices). Bytes and fallbacks are
// logged.
func TestLazyMemberListEndToEnd(t *testing.T) {
	n := startNode(t)
	rng := rand.New(rand.NewPCG(5, 5))
	put := func(path, body string) { gatetest.MustIngest(t, n, "PUT", path, body) }
	names := []string{"anna", "Bob", "émile", "Zoë", "ßtraße", "strasse", "x", "Kelvin"}
	user := func(u uint64, grant int) {
		put(fmt.Sprintf("/users/%d", u), fmt.Sprintf(`{"username":"%s%d","privileged_intents":%d}`, names[u%uint64(len(names))], u%7, grant))
	}
	user(lzOwner, 0)
	for i := range 4 {
		user(lzClient0+uint64(i), intentGuildMembers|intentGuildPresences)
	}
	for i := range 6 {
		user(lzPres0+uint64(i), 0)
	}
	roles := map[uint64]map[string]any{
		lzRoleA: {"name": "A", "hoist": true, "position": 3, "permissions": "0"},
		lzRoleB: {"name": "B", "hoist": true, "position": 2, "permissions": "0"},
		lzRoleC: {"name": "C", "hoist": false, "position": 1, "permissions": "0"},
	}
	roleJSON := func(id uint64) string {
		r := roles[id]
		r["id"] = itoa(id)
		b, _ := json.Marshal(r)
		return string(b)
	}
	private := func(extra string) string {
		return fmt.Sprintf(`{"id":"%d","type":0,"name":"private","permission_overwrites":[{"id":"%d","type":0,"allow":"0","deny":"%d"},{"id":"%d","type":0,"allow":"%d","deny":"0"}%s]}`,
			lzPrivate, lzGuild, viewChannel, lzRoleA, viewChannel, extra)
	}
	put(fmt.Sprintf("/guilds/%d", lzGuild), fmt.Sprintf(`{"name":"Lists","owner_id":"%d","roles":[{"id":"%d","name":"@everyone","permissions":"%d"},%s,%s,%s],"channels":[{"id":"%d","type":0,"name":"open"},%s]}`,
		lzOwner, lzGuild, viewChannel, roleJSON(lzRoleA), roleJSON(lzRoleB), roleJSON(lzRoleC), lzOpen, private("")))
	members := map[uint64]*lzMember{}
	putMember := func(u uint64, m *lzMember) {
		members[u] = m
		put(fmt.Sprintf("/guilds/%d/members/%d", lzGuild, u), m.json())
	}
	randRoles := func() []uint64 {
		var rs []uint64
		for _, r := range []uint64{lzRoleA, lzRoleB, lzRoleC} {
			if rng.IntN(3) == 0 {
				rs = append(rs, r)
			}
		}
		return rs
	}
	putMember(lzOwner, &lzMember{})
	for i := range 4 {
		putMember(lzClient0+uint64(i), &lzMember{roles: []uint64{lzRoleA}})
	}
	for i := range 6 {
		putMember(lzPres0+uint64(i), &lzMember{nick: names[rng.IntN(len(names))], roles: randRoles()})
	}

	var cls []*lzClient
	for i := range 4 {
		s := gatetest.Connect(t, n, lzClient0+uint64(i), lzIntents, nil)
		s.Until("GUILD_CREATE", nil)
		cls = append(cls, &lzClient{s: s, lists: lazyclient.Lists{}, held: map[string][]int{}})
	}
	var pres []*gatetest.Session
	status := make([]string, 6)
	for i := range 6 {
		s := gatetest.Connect(t, n, lzPres0+uint64(i), intentGuilds, nil)
		s.Until("GUILD_CREATE", nil)
		pres = append(pres, s)
		status[i] = "online"
	}

	// 150 offline members through the bulk endpoint (the store watch path).
	var batch bytes.Buffer
	for i := range lzBulk {
		u := uint64(lzBulk0 + i)
		m := &lzMember{roles: randRoles()}
		if rng.IntN(3) == 0 {
			m.nick = names[rng.IntN(len(names))] + itoa(uint64(i))
		}
		members[u] = m
		line := map[string]any{"user": map[string]any{"id": itoa(u), "username": names[i%len(names)] + itoa(uint64(i%13))}, "roles": m.roles}
		if m.nick != "" {
			line["nick"] = m.nick
		}
		b, _ := json.Marshal(line)
		batch.Write(b)
		batch.WriteByte('\n')
	}
	gatetest.MustIngest(t, n, "POST", fmt.Sprintf("/guilds/%d/members:batch", lzGuild), batch.String())

	cls[0].subscribe([]int{0}, nil)
	cls[1].subscribe([]int{0, 1}, nil)
	cls[2].subscribe(nil, []int{0})
	cls[3].subscribe([]int{1}, []int{0})
	// Wait until the bulk load reached the lists: the open list has every
	// member and three group rows (A, B or online, offline) at least.
	gatetest.Eventually(t, gatetest.Wait, func() error {
		_, length, ok := n.Hub.LazyRows(lzGuild, "everyone", 0, 0)
		if !ok || length < len(members)+2 {
			return fmt.Errorf("open list has %d rows, %d members", length, len(members))
		}
		return nil
	})
	for _, c := range cls {
		c.converge(t, n, 0)
	}

	nextUser := uint64(lzBulk0 + lzBulk)
	bulkIDs := func() []uint64 {
		var ids []uint64
		for u := range members {
			if u >= lzBulk0 {
				ids = append(ids, u)
			}
		}
		slices.Sort(ids)
		return ids
	}
	kinds := map[string]int{}
	for step := 1; step <= lzSteps; step++ {
		var marker string // the dispatch every client sees for this change
		var markerID string
		switch r := rng.IntN(100); {
		case r < 15: // join
			u := nextUser
			nextUser++
			user(u, 0)
			putMember(u, &lzMember{nick: names[rng.IntN(len(names))], roles: randRoles()})
			marker, markerID, kinds["join"] = "GUILD_MEMBER_ADD", itoa(u), kinds["join"]+1
		case r < 27: // leave
			ids := bulkIDs()
			u := ids[rng.IntN(len(ids))]
			delete(members, u)
			gatetest.MustIngest(t, n, "DELETE", fmt.Sprintf("/guilds/%d/members/%d", lzGuild, u), "")
			marker, markerID, kinds["leave"] = "GUILD_MEMBER_REMOVE", itoa(u), kinds["leave"]+1
		case r < 40: // nick, of a bulk member or a presence user
			ids := append(bulkIDs(), lzPres0+uint64(rng.IntN(6)))
			u := ids[rng.IntN(len(ids))]
			m := *members[u]
			m.nick = names[rng.IntN(len(names))] + itoa(uint64(rng.IntN(100)))
			putMember(u, &m)
			marker, markerID, kinds["nick"] = "GUILD_MEMBER_UPDATE", itoa(u), kinds["nick"]+1
		case r < 52: // roles, mostly of online users (moves between hoisted groups)
			u := lzPres0 + uint64(rng.IntN(6))
			if rng.IntN(3) == 0 {
				ids := bulkIDs()
				u = ids[rng.IntN(len(ids))]
			}
			m := *members[u]
			m.roles = randRoles()
			putMember(u, &m)
			marker, markerID, kinds["roles"] = "GUILD_MEMBER_UPDATE", itoa(u), kinds["roles"]+1
		case r < 60: // hoist or position of a role
			id := []uint64{lzRoleA, lzRoleB, lzRoleC}[rng.IntN(3)]
			if rng.IntN(2) == 0 {
				roles[id]["hoist"] = !roles[id]["hoist"].(bool)
			} else {
				roles[id]["position"] = 1 + rng.IntN(3)
			}
			put(fmt.Sprintf("/guilds/%d/roles/%d", lzGuild, id), roleJSON(id))
			marker, markerID, kinds["role"] = "GUILD_ROLE_UPDATE", itoa(id), kinds["role"]+1
		case r < 67: // overwrites of the private channel: its list id and viewers change
			var extra string
			if rng.IntN(2) == 0 {
				extra += fmt.Sprintf(`,{"id":"%d","type":0,"allow":"%d","deny":"0"}`, lzRoleB, viewChannel)
			}
			if rng.IntN(2) == 0 {
				ids := bulkIDs()
				extra += fmt.Sprintf(`,{"id":"%d","type":1,"allow":"%d","deny":"0"}`, ids[rng.IntN(len(ids))], viewChannel)
			}
			put(fmt.Sprintf("/guilds/%d/channels/%d", lzGuild, lzPrivate), private(extra))
			marker, markerID, kinds["overwrite"] = "CHANNEL_UPDATE", itoa(lzPrivate), kinds["overwrite"]+1
		case r < 92: // presence through op 3
			i := rng.IntN(6)
			next := status[i]
			for next == status[i] {
				next = []string{"online", "idle", "dnd", "invisible"}[rng.IntN(4)]
			}
			status[i] = next
			pres[i].SendText(fmt.Sprintf(`{"op":3,"d":{"since":null,"activities":[{"name":"step %d","type":0}],"status":"%s","afk":false}}`, step, next))
			marker, markerID, kinds["presence"] = "PRESENCE_UPDATE", itoa(lzPres0+uint64(i)), kinds["presence"]+1
		default: // a client changes what it holds
			c := cls[rng.IntN(len(cls))]
			pick := func() []int {
				var ks []int
				for k := range 3 {
					if rng.IntN(2) == 0 {
						ks = append(ks, k)
					}
				}
				return ks
			}
			c.subscribe(pick(), pick())
			kinds["op14"]++
		}
		for _, c := range cls {
			if marker != "" {
				c.readUntil(t, marker+" "+markerID, func(m gatetest.Msg) bool {
					if m.Name() != marker {
						return false
					}
					var d struct {
						ID   string `json:"id"`
						Role struct {
							ID string `json:"id"`
						} `json:"role"`
						User struct {
							ID string `json:"id"`
						} `json:"user"`
					}
					_ = json.Unmarshal(m.D, &d)
					return d.ID == markerID || d.Role.ID == markerID || d.User.ID == markerID
				})
			}
			c.converge(t, n, step)
		}
	}
	// Every dispatch the node counted reaches its client.
	var st = n.Hub.LazyStats()
	updates := 0
	deadline := time.Now().Add(gatetest.Wait)
	for {
		st, updates = n.Hub.LazyStats(), 0
		for _, c := range cls {
			updates += c.updates
		}
		if int64(updates) == st.Dispatches || time.Now().After(deadline) {
			break
		}
		for _, c := range cls {
			c.readUntil(t, "", nil)
		}
	}
	per := 0.0
	if st.Changes > 0 {
		per = float64(st.OpBytes) / float64(st.Changes)
	}
	t.Logf("steps %v; %d list updates read by the clients", kinds, updates)
	t.Logf("node: %d member changes, %d dispatches, %d B of ops (%.1f B per change, all recipients), %d B total; %d INSERT %d DELETE %d UPDATE; %d subscribe SYNCs, %d INVALIDATEs, %d SYNC fallbacks, %d resyncs",
		st.Changes, st.Dispatches, st.OpBytes, per, st.Bytes, st.Inserts, st.Deletes, st.Updates, st.SubscribeSyncs, st.Invalidates, st.SyncFallbacks, st.Resyncs)
	if int64(updates) != st.Dispatches {
		t.Errorf("clients read %d list updates, the node counted %d dispatches", updates, st.Dispatches)
	}
	// /metrics carries the same counters.
	resp, err := http.Get("http://" + n.Server.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	st = n.Hub.LazyStats()
	for name, v := range map[string]int64{"gatehouse_member_list_dispatches_total": st.Dispatches,
		"gatehouse_member_list_sync_fallbacks_total": st.SyncFallbacks, "gatehouse_member_list_ops_total": st.Ops} {
		if want := fmt.Sprintf("\n%s %d\n", name, v); !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", strings.TrimSpace(want))
		}
	}
}
