package corpus

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strconv"
)

// Generate returns n gateway dispatches for seed, each a complete envelope
// `{"t":...,"s":N,"op":0,"d":{...}}` with t, s and op written before d.
// The first is READY, followed by one GUILD_CREATE per guild, then traffic.
func Generate(seed int64, n int) [][]byte {
	r := rand.New(rand.NewPCG(uint64(seed), 0x6761746568))
	w := newWorld(r)
	g := &generator{w: w, r: r}
	out := make([][]byte, 0, n)
	emit := func(t string, d any) {
		if len(out) < n {
			out = append(out, envelope(t, len(out)+1, d))
		}
	}
	emit("READY", w.ready())
	for _, gd := range w.guilds {
		emit("GUILD_CREATE", w.guildCreate(gd))
	}
	for len(out) < n {
		g.next(emit)
	}
	return out
}

// Summary describes a corpus.
type Summary struct {
	Count      int                  `json:"count"`
	TotalBytes int                  `json:"total_bytes"`
	ByType     map[string]TypeStats `json:"by_type"`
}

// TypeStats describes the dispatches of one type.
type TypeStats struct {
	Count int `json:"count"`
	Bytes int `json:"bytes"`
	Min   int `json:"min"`
	Max   int `json:"max"`
}

// Summarize counts msgs by dispatch type, read from the leading "t" field.
func Summarize(msgs [][]byte) Summary {
	s := Summary{Count: len(msgs), ByType: map[string]TypeStats{}}
	for _, m := range msgs {
		s.TotalBytes += len(m)
		t := eventType(m)
		st := s.ByType[t]
		if st.Count == 0 || len(m) < st.Min {
			st.Min = len(m)
		}
		st.Max = max(st.Max, len(m))
		st.Count++
		st.Bytes += len(m)
		s.ByType[t] = st
	}
	return s
}

// Types returns the dispatch types of s, most bytes first.
func (s Summary) Types() []string {
	ts := make([]string, 0, len(s.ByType))
	for t := range s.ByType {
		ts = append(ts, t)
	}
	slices.SortFunc(ts, func(a, b string) int {
		if d := s.ByType[b].Bytes - s.ByType[a].Bytes; d != 0 {
			return d
		}
		return bytes.Compare([]byte(a), []byte(b))
	})
	return ts
}

// eventType reads t from an envelope that starts with {"t":"NAME".
func eventType(m []byte) string {
	const prefix = `{"t":`
	if !bytes.HasPrefix(m, []byte(prefix)) {
		return "?"
	}
	rest := m[len(prefix):]
	if q, err := strconv.QuotedPrefix(string(rest[:min(len(rest), 64)])); err == nil {
		if t, err := strconv.Unquote(q); err == nil {
			return t
		}
	}
	return "?"
}
