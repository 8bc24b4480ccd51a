package hub

import (
	"encoding/json"
	"slices"
	"sort"

	"gatehouse/core/protocol"
	"gatehouse/core/session"
)

// Limits of op 14 (PROTOCOL.md, "Lazy member lists").
const (
	// lazyChunk is the rows of one subscribed chunk: ranges are normalised
	// to 100-row aligned chunks.
	lazyChunk = 100
	// lazyChunksPerChannel is the most chunks one channel keeps; a request
	// for more keeps the lowest.
	lazyChunksPerChannel = 3
	// lazyChannelsPerGuild is the most channels a session subscribes in one
	// guild; a newer subscription drops the oldest.
	lazyChannelsPerGuild = 5
	// lazyMaxChunk bounds a chunk index (row 1.6e9): no list is that long,
	// and it keeps every index arithmetic far from overflow.
	lazyMaxChunk = 1 << 24
)

// lazyRequestWire is op 14's d. typing, activities and members are
// accepted and ignored: the list always carries presences with activities.
type lazyRequestWire struct {
	GuildID  protocol.Snowflake         `json:"guild_id"`
	Channels map[string]json.RawMessage `json:"channels"`
}

// lazyChannelReq is one channel of a request: its chunk indices, sorted;
// none unsubscribes the channel.
type lazyChannelReq struct {
	ch     protocol.Snowflake
	chunks []int
}

// parseLazyRequest decodes op 14's d. A malformed d or channel id is an
// error (the session closes with 4002); a range that is not [a, b] with
// 0 ≤ a ≤ b is skipped, as the client only loses that range.
func parseLazyRequest(d []byte) (protocol.Snowflake, []lazyChannelReq, error) {
	var r lazyRequestWire
	if err := protocol.Unmarshal(d, &r); err != nil || r.GuildID == 0 {
		return 0, nil, protocol.CloseDecodeError
	}
	out := make([]lazyChannelReq, 0, len(r.Channels))
	for key, raw := range r.Channels {
		var ch protocol.Snowflake
		if err := ch.UnmarshalJSON([]byte(key)); err != nil || ch == 0 {
			return 0, nil, protocol.CloseDecodeError
		}
		var ranges [][]int64
		if err := protocol.Unmarshal(raw, &ranges); err != nil {
			return 0, nil, protocol.CloseDecodeError
		}
		out = append(out, lazyChannelReq{ch: ch, chunks: normaliseRanges(ranges)})
	}
	// Ascending ids: which channels survive the per-guild limit does not
	// depend on JSON object order, which the decoder does not keep.
	sort.Slice(out, func(i, j int) bool { return out[i].ch < out[j].ch })
	return r.GuildID, out, nil
}

// normaliseRanges turns inclusive ranges into the lowest
// lazyChunksPerChannel 100-row chunks they touch, sorted.
func normaliseRanges(ranges [][]int64) []int {
	type span struct{ a, b int64 }
	var spans []span
	for _, r := range ranges {
		if len(r) != 2 || r[0] < 0 || r[1] < r[0] {
			continue
		}
		a, b := r[0]/lazyChunk, min(r[1]/lazyChunk, lazyMaxChunk)
		if a > b {
			continue
		}
		spans = append(spans, span{a, b})
	}
	slices.SortFunc(spans, func(x, y span) int { return int(x.a - y.a) })
	var chunks []int
	for _, s := range spans {
		for c := s.a; c <= s.b && len(chunks) < lazyChunksPerChannel; c++ {
			if n := len(chunks); n > 0 && int64(chunks[n-1]) >= c {
				continue
			}
			chunks = append(chunks, int(c))
		}
	}
	return chunks
}

// LazyRequest implements session.Config.OnLazyRequest (op 14): it checks
// the request and posts it to the guild's actor, which answers with
// GUILD_MEMBER_LIST_UPDATE (SYNC for new chunks, INVALIDATE for dropped
// ones) and keeps the session's chunks exact from then on. Runs on the
// connection's event loop: it never blocks.
func (h *Hub) LazyRequest(s *session.Session, d []byte) error {
	g, chans, err := parseLazyRequest(d)
	if err != nil {
		return err
	}
	h.mu.Lock()
	a := h.actors[g]
	h.mu.Unlock()
	if a == nil {
		return nil // not a guild of this session
	}
	a.post(false, func(a *actor) {
		if !a.sessions.has(s) || a.state == nil {
			return
		}
		a.lazyRequest(s, chans)
	})
	return nil
}
