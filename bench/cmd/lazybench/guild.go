package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"gatehouse/bench/suite"
)

// The benchmark guild: suite.BenchGuild with one text channel everyone
// can view, five roles besides @everyone (four hoisted), and members in
// slots: slot 0 is the owner, slots 1..sessions the loadgen's users, and
// the rest the users whose presence the stand-in node contributes.
const (
	benchGuild   = suite.BenchGuild
	benchChannel = suite.BenchChannel
	ownerID      = 900_000
	// sessionBase is the loadgen's --user-base; nodeBase + j is the j-th
	// user of the stand-in node.
	sessionBase uint64 = 5_000_000_000
	nodeBase    uint64 = 10_000_000_000
)

// role is one of the guild's roles besides @everyone; layout says how
// many members hold each.
type role struct {
	id       uint64
	name     string
	position int
	hoist    bool
}

var (
	roleAdmin    = role{benchGuild + 1, "Admin", 5, true}
	roleMod      = role{benchGuild + 2, "Moderator", 4, true}
	roleHelper   = role{benchGuild + 3, "Helper", 3, true}
	roleBooster  = role{benchGuild + 4, "Server Booster", 2, true}
	roleVerified = role{benchGuild + 5, "Verified", 1, false}
	roles        = []role{roleAdmin, roleMod, roleHelper, roleBooster, roleVerified}
)

// layout is how many of the stand-in node's users hold each hoisted role:
// the first admins hold Admin, the next mods Moderator, and so on; about
// 60 % of everyone holds Verified (not hoisted).
type layout struct {
	members  int // the whole guild, owner and sessions included
	sessions int
	admins   int
	mods     int
	helpers  int
	boosters int
}

func newLayout(members, sessions int) layout {
	return layout{members: members, sessions: sessions, admins: 12, mods: 120, helpers: 1200, boosters: members / 50}
}

// nodeUsers is how many users the stand-in node contributes.
func (l layout) nodeUsers() int { return l.members - 1 - l.sessions }

// rolesOf is the roles of the node's j-th user.
func (l layout) rolesOf(j int, verified bool) []uint64 {
	var out []uint64
	switch {
	case j < l.admins:
		out = append(out, roleAdmin.id)
	case j < l.admins+l.mods:
		out = append(out, roleMod.id)
	case j < l.admins+l.mods+l.helpers:
		out = append(out, roleHelper.id)
	case j < l.admins+l.mods+l.helpers+l.boosters:
		out = append(out, roleBooster.id)
	}
	if verified {
		out = append(out, roleVerified.id)
	}
	return out
}

// setupGuild creates the owner, the guild with its roles and channel.
func setupGuild(ctx context.Context, in *suite.Ingest) error {
	if err := in.Do(ctx, http.MethodPut, "/ingest/v1/users/"+strconv.Itoa(ownerID), "application/json",
		strings.NewReader(`{"username":"owner","global_name":"The Owner"}`)); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, `{"name":"Million Member Guild","owner_id":"%d","roles":[`, ownerID)
	for i, r := range roles {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d","name":%q,"position":%d,"hoist":%t,"permissions":"0"}`, r.id, r.name, r.position, r.hoist)
	}
	fmt.Fprintf(&b, `],"channels":[{"id":"%d","type":0,"name":"general"}]}`, benchChannel)
	return in.Do(ctx, http.MethodPut, "/ingest/v1/guilds/"+strconv.FormatUint(benchGuild, 10), "application/json", strings.NewReader(b.String()))
}

// loadMembers adds every member through members:batch, in streams
// concurrent requests each generating its share of the NDJSON as it is
// sent, so the bench never holds the guild in memory. sessionIDs are the
// loadgen's users (slots 1..).
func loadMembers(ctx context.Context, in *suite.Ingest, l layout, sessionIDs []uint64, seed uint64, streams int) error {
	if len(sessionIDs) != l.sessions {
		return fmt.Errorf("%d session users for %d sessions", len(sessionIDs), l.sessions)
	}
	streams = max(1, streams)
	var wg sync.WaitGroup
	errs := make([]error, streams)
	per := (l.members + streams - 1) / streams
	for s := 0; s < streams; s++ {
		lo, hi := s*per, min(l.members, (s+1)*per)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pr, pw := io.Pipe()
			go func() {
				w := bufio.NewWriterSize(pw, 256<<10)
				var line []byte
				for slot := lo; slot < hi; slot++ {
					line = appendMember(line[:0], l, slot, sessionIDs, seed)
					if _, err := w.Write(line); err != nil {
						break
					}
				}
				_ = pw.CloseWithError(w.Flush())
			}()
			errs[s] = in.Do(ctx, http.MethodPost, "/ingest/v1/guilds/"+strconv.FormatUint(benchGuild, 10)+"/members:batch", "application/x-ndjson", pr)
			_ = pr.CloseWithError(io.ErrClosedPipe) // stop the writer if the request failed early
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// appendMember appends slot's NDJSON line.
func appendMember(b []byte, l layout, slot int, sessionIDs []uint64, seed uint64) []byte {
	var id uint64
	var rs []uint64
	switch {
	case slot == 0:
		id = ownerID
		rs = []uint64{roleAdmin.id}
	case slot <= l.sessions:
		id = sessionIDs[slot-1]
		rs = []uint64{roleVerified.id}
	default:
		j := slot - 1 - l.sessions
		id = nodeBase + uint64(j)
		rs = l.rolesOf(j, mix(seed, uint64(j), 7)%10 < 6)
	}
	n := makeName(seed, id)
	b = append(b, `{"user":{"id":"`...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, `","username":"`...)
	b = append(b, n.username...)
	b = append(b, '"')
	if n.global != "" {
		b = append(b, `,"global_name":"`...)
		b = append(b, n.global...)
		b = append(b, '"')
	}
	b = append(b, `},"roles":[`...)
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendUint(b, r, 10)
		b = append(b, '"')
	}
	b = append(b, ']')
	if n.nick != "" {
		b = append(b, `,"nick":"`...)
		b = append(b, n.nick...)
		b = append(b, '"')
	}
	b = append(b, `,"joined_at":"2024-01-01T00:00:00.000000+00:00"}`...)
	return append(b, '\n')
}
