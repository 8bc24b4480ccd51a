package node_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"

	"gatehouse/cmd/gatehouse/node"
	"gatehouse/internal/gatetest"
)

const (
	dgGuild   = 8000
	dgPublic  = 8100
	dgNotD2   = 8101 // member deny for D2
	dgNotD1   = 8102 // member deny for D1
	dgOwner   = 8001 // never connects
	dgD1      = 8002 // discordgo with GUILD_PRESENCES and MESSAGE_CONTENT
	dgD2      = 8003 // discordgo with neither
	dgPresent = 8004 // raw client whose presence changes
)

// pointDiscordgoAt aims discordgo's package-level endpoints at n until the
// test ends (discordgo has no per-session setting for them, so tests that
// use it must not run in parallel).
func pointDiscordgoAt(t *testing.T, n *node.Node) {
	saved := [...]string{discordgo.EndpointDiscord, discordgo.EndpointAPI, discordgo.EndpointGateway,
		discordgo.EndpointGatewayBot, discordgo.EndpointUsers, discordgo.EndpointApplications}
	t.Cleanup(func() {
		discordgo.EndpointDiscord, discordgo.EndpointAPI, discordgo.EndpointGateway,
			discordgo.EndpointGatewayBot, discordgo.EndpointUsers, discordgo.EndpointApplications =
			saved[0], saved[1], saved[2], saved[3], saved[4], saved[5]
	})
	discordgo.EndpointDiscord = "http://" + n.Server.HTTPAddr() + "/"
	discordgo.EndpointAPI = discordgo.EndpointDiscord + "api/v" + discordgo.APIVersion + "/"
	discordgo.EndpointGateway = discordgo.EndpointAPI + "gateway"
	discordgo.EndpointGatewayBot = discordgo.EndpointGateway + "/bot"
	discordgo.EndpointUsers = discordgo.EndpointAPI + "users/"
	discordgo.EndpointApplications = discordgo.EndpointAPI + "applications"
}

// dgEvent is one dispatch as an unmodified discordgo session decoded it.
type dgEvent struct {
	Type    string
	ID      string // message id, guild id, or the presence's user id
	Channel string
	Content string
	Status  string
	Guild   *discordgo.Guild
}

// dgClient records what its discordgo session decoded, in order.
type dgClient struct {
	s  *discordgo.Session
	mu sync.Mutex
	ev []dgEvent
}

func openDiscordgo(t *testing.T, user uint64, intents discordgo.Intent) *dgClient {
	t.Helper()
	s, err := discordgo.New("Bot " + gatetest.Token(user))
	if err != nil {
		t.Fatal(err)
	}
	s.Identify.Intents = intents
	s.Identify.Compress = false
	s.Compress = false
	c := &dgClient{s: s}
	s.SyncEvents = true
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) {
		d := dgEvent{Type: e.Type}
		switch v := e.Struct.(type) {
		case *discordgo.MessageCreate:
			d.ID, d.Channel, d.Content = v.ID, v.ChannelID, v.Content
		case *discordgo.GuildCreate:
			d.ID, d.Guild = v.ID, v.Guild
		case *discordgo.PresenceUpdate:
			d.ID, d.Status = v.User.ID, string(v.Status)
		}
		c.mu.Lock()
		c.ev = append(c.ev, d)
		c.mu.Unlock()
	})
	if err := s.Open(); err != nil {
		t.Fatalf("discordgo Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return c
}

func (c *dgClient) events() []dgEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ev)
}

// waitFor polls until an event satisfies f and returns the events up to
// and including it.
func (c *dgClient) waitFor(t *testing.T, what string, f func(dgEvent) bool) []dgEvent {
	t.Helper()
	var upto []dgEvent
	gatetest.Eventually(t, gatetest.Wait, func() error {
		for i, e := range c.events() {
			if f(e) {
				upto = c.events()[:i+1]
				return nil
			}
		}
		return fmt.Errorf("discordgo: no %s", what)
	})
	return upto
}

func (c *dgClient) waitMessage(t *testing.T, id string) []dgEvent {
	t.Helper()
	return c.waitFor(t, "message "+id, func(e dgEvent) bool { return e.Type == "MESSAGE_CREATE" && e.ID == id })
}

func ofKind(es []dgEvent, typ string) []dgEvent {
	var out []dgEvent
	for _, e := range es {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// TestDiscordgoVisibilityAndPresence: two unmodified discordgo v0.29.0
// sessions each get a GUILD_CREATE listing only the channels they can see
// and MESSAGE_CREATE only from those (content blanked without
// MESSAGE_CONTENT, except their own); a raw client's connect and op 3
// presence changes reach the session with GUILD_PRESENCES (granted on its
// user record) and never the one without.
func TestDiscordgoVisibilityAndPresence(t *testing.T) {
	n := startNode(t)
	pointDiscordgoAt(t, n)
	for u, grant := range map[uint64]int{dgOwner: 0, dgD1: intentGuildPresences | intentMessageContent, dgD2: 0, dgPresent: 0} {
		gatetest.MustIngest(t, n, "PUT", fmt.Sprintf("/users/%d", u), fmt.Sprintf(`{"username":"user%d","bot":true,"privileged_intents":%d}`, u, grant))
	}
	deny := func(u uint64) string {
		return fmt.Sprintf(`[{"id":"%d","type":1,"allow":"0","deny":"%d"}]`, u, viewChannel)
	}
	gatetest.MustIngest(t, n, "PUT", fmt.Sprintf("/guilds/%d", dgGuild), fmt.Sprintf(`{"name":"Discordgo","owner_id":"%d","channels":[
		{"id":"%d","type":0,"name":"public","position":0},
		{"id":"%d","type":0,"name":"not-d2","position":1,"permission_overwrites":%s},
		{"id":"%d","type":0,"name":"not-d1","position":2,"permission_overwrites":%s}]}`,
		dgOwner, dgPublic, dgNotD2, deny(dgD2), dgNotD1, deny(dgD1)))
	for _, u := range []uint64{dgOwner, dgD1, dgD2, dgPresent} {
		gatetest.MustIngest(t, n, "PUT", fmt.Sprintf("/guilds/%d/members/%d", dgGuild, u), `{}`)
	}

	base := discordgo.IntentsGuilds | discordgo.IntentsGuildMessages
	d1 := openDiscordgo(t, dgD1, base|discordgo.IntentsGuildPresences|discordgo.IntentsMessageContent)
	d2 := openDiscordgo(t, dgD2, base)
	for _, tc := range []struct {
		c    *dgClient
		want []string
	}{{d1, []string{itoa(dgPublic), itoa(dgNotD2)}}, {d2, []string{itoa(dgPublic), itoa(dgNotD1)}}} {
		gc := tc.c.waitFor(t, "GUILD_CREATE", func(e dgEvent) bool { return e.Type == "GUILD_CREATE" })
		g := gc[len(gc)-1].Guild
		var got []string
		for _, ch := range g.Channels {
			got = append(got, ch.ID)
		}
		slices.Sort(got)
		if g.ID != itoa(dgGuild) || !slices.Equal(got, tc.want) {
			t.Errorf("GUILD_CREATE %s channels %v, want %v", g.ID, got, tc.want)
		}
		// discordgo's own state holds the same view.
		if sg, err := tc.c.s.State.Guild(itoa(dgGuild)); err != nil || len(sg.Channels) != len(tc.want) {
			t.Errorf("discordgo state: %v", err)
		}
	}

	msg := func(ch, author uint64, content string) string {
		return postMessage(t, n, ch, fmt.Sprintf(`{"author":{"id":"%d"},"content":%q}`, author, content))
	}
	forD1 := msg(dgNotD2, dgOwner, "for d1")
	forD2 := msg(dgNotD1, dgOwner, "for d2")
	marker := msg(dgPublic, dgD2, "both")
	for _, tc := range []struct {
		c    *dgClient
		want map[string]string // message id → content
	}{
		{d1, map[string]string{forD1: "for d1", marker: "both"}},
		{d2, map[string]string{forD2: "", marker: "both"}}, // its own message keeps its content
	} {
		got := map[string]string{}
		for _, e := range ofKind(tc.c.waitMessage(t, marker), "MESSAGE_CREATE") {
			got[e.ID] = e.Content
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("messages %v, want %v", got, tc.want)
		}
	}

	// Presence: connecting, then op 3 to dnd, then to invisible (seen as
	// offline).
	p := gatetest.Connect(t, n, dgPresent, intentGuilds, nil)
	p.Until("GUILD_CREATE", nil)
	d1.waitFor(t, "presence online", func(e dgEvent) bool {
		return e.Type == "PRESENCE_UPDATE" && e.ID == itoa(dgPresent) && e.Status == "online"
	})
	for _, status := range []string{"dnd", "invisible"} {
		b, _ := json.Marshal(map[string]any{"op": 3, "d": map[string]any{"since": nil, "activities": []any{}, "status": status, "afk": false}})
		p.SendText(string(b))
		want := status
		if status == "invisible" {
			want = "offline"
		}
		d1.waitFor(t, "presence "+want, func(e dgEvent) bool {
			return e.Type == "PRESENCE_UPDATE" && e.ID == itoa(dgPresent) && e.Status == want
		})
	}
	// Everything fanned out with the last presence precedes this message.
	last := msg(dgPublic, dgOwner, "after presences")
	if ps := ofKind(d2.waitMessage(t, last), "PRESENCE_UPDATE"); len(ps) != 0 {
		t.Errorf("discordgo without GUILD_PRESENCES got %d PRESENCE_UPDATEs: %+v", len(ps), ps)
	}
	var seen []string
	for _, e := range ofKind(d1.waitMessage(t, last), "PRESENCE_UPDATE") {
		if e.ID == itoa(dgPresent) {
			seen = append(seen, e.Status)
		}
	}
	if !slices.Equal(seen, []string{"online", "dnd", "offline"}) {
		t.Errorf("discordgo with GUILD_PRESENCES saw %v", seen)
	}
}
