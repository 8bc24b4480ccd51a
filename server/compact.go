package server

import (
	"time"

	"gatehouse/core/compress"
)

// Compact compression: zlib-stream and zstd-stream connections get compact
// streams (compress.Compact) when the factory can make them, so an idle
// connection holds at most compress.IdleStateLimit bytes of compression
// state. Each event loop owns one pool per format, made on first use; the
// loop's tick hibernates the streams of connections idle for CompactIdle.
//
// Concurrency: a loop's pools, and every compact stream made from them, are
// touched only by that loop's goroutine (checkQuery, appendFrame, tick and
// OnClose all run on it). The pools are closed once gnet.Run has returned,
// when no loop runs any more.

// maxHibernationsPerTick bounds the packing work one tick does on a loop
// (a zlib hibernation packs 16 KiB in about 50 µs; a windowed zstd one packs
// nothing), so a broadcast that leaves thousands of connections idle at once
// does not stall the loop.
// The rest hibernate on the following ticks.
const maxHibernationsPerTick = 256

// compactState is the per-connection bookkeeping of a compact stream.
// Loop only.
type compactState struct {
	stream compress.Compact
	// log is a windowed stream's window source (nil for a packed stream):
	// every frame the stream compresses is recorded in it.
	log *frameLog
	// sent is set when a frame was compressed since the last tick.
	sent bool
	// activeAt is the tick that last saw the connection send.
	activeAt time.Time
	// asleep: the stream holds no working context since it hibernated (or
	// since it was made, if all it sent were small messages, which do not
	// wake it). It is what the hibernating gauge counts.
	asleep bool
}

// markSent records that c's compact stream compressed a frame. A frame the
// stream sent while staying hibernating (a small message, such as a
// heartbeat ACK, goes out uncompressed without taking a working context) is
// not activity: the stream holds nothing to give back, so it does not
// restart the idle time, and it counts as hibernating (a new stream whose
// Hello went out that way holds no context either). Loop only.
func (l *loop) markSent(st *compactState) {
	if st.stream.Hibernating() {
		if !st.asleep {
			st.asleep = true
			l.srv.stats.hibernating.Add(1)
		}
		return
	}
	st.sent = true
	if st.asleep {
		st.asleep = false
		l.srv.stats.hibernating.Add(-1)
	}
}

// dropCompact forgets c's compact bookkeeping when its stream is closed.
// Loop only.
func (l *loop) dropCompact(c *wsConn) {
	if c.compact != nil && c.compact.asleep {
		l.srv.stats.hibernating.Add(-1)
	}
	c.compact = nil
}

// newCompressor makes the transport compressor of a connection asking for
// mode: a compact stream from this loop's pool when the server uses compact
// streams for mode, else a full stream. Loop only.
func (l *loop) newCompressor(c *wsConn, mode compress.Mode) (compress.Compressor, error) {
	cfg := &l.srv.cfg
	cf, ok := cfg.Compression.(compress.CompactFactory)
	if !ok || !cfg.compactFor(mode) {
		switch mode {
		case compress.ZlibStream:
			return cfg.Compression.NewZlibStream(cfg.Zlib)
		default:
			return cfg.Compression.NewZstdStream(cfg.Zstd)
		}
	}
	p := l.pools[mode]
	if p == nil {
		var err error
		switch mode {
		case compress.ZlibStream:
			p, err = cf.NewCompactZlibPool(cfg.Zlib, compress.CompactOptions{})
		default:
			p, err = cf.NewCompactZstdPool(cfg.Zstd, compress.CompactOptions{})
		}
		if err != nil {
			return nil, err
		}
		if l.pools == nil {
			l.pools = make(map[compress.Mode]compress.CompactPool)
		}
		l.pools[mode] = p
	}
	// A stream that can take its window from the frames it sent keeps no
	// plaintext while idle (compact zstd; see framelog.go).
	var log *frameLog
	var s compress.Compact
	var err error
	if wp, ok := p.(compress.WindowedPool); ok && mode == compress.ZstdStream {
		log = newFrameLog()
		s, err = wp.NewWindowedStream(log)
	} else {
		s, err = p.NewStream()
	}
	if err != nil {
		return nil, err
	}
	c.compact = &compactState{stream: s, log: log, activeAt: time.Now()}
	return s, nil
}

// StreamChoice says which transport modes get compact streams with this
// configuration, for the start-up log line: "full", "compact:zlib" or
// "compact:zlib,zstd" (no spaces, so the benchmarks can read it back). A
// factory without compact streams (the pure-Go one) gives full streams
// whatever the settings say.
func (c *Config) StreamChoice() string {
	if _, ok := c.Compression.(compress.CompactFactory); !ok {
		return "full"
	}
	choice := ""
	for _, m := range []struct {
		mode compress.Mode
		name string
	}{{compress.ZlibStream, "zlib"}, {compress.ZstdStream, "zstd"}} {
		if c.compactFor(m.mode) {
			if choice != "" {
				choice += ","
			}
			choice += m.name
		}
	}
	if choice == "" {
		return "full"
	}
	return "compact:" + choice
}

// compactFor says whether connections asking for mode get compact streams.
func (c *Config) compactFor(mode compress.Mode) bool {
	if c.FullStreams {
		return false
	}
	return mode == compress.ZlibStream || mode == compress.ZstdStream && c.CompactZstd
}

// idleCheck hibernates c's compact stream when c has sent nothing for
// CompactIdle, spending one unit of *budget. Loop only.
func (l *loop) idleCheck(c *wsConn, now time.Time, budget *int) {
	st := c.compact
	if st == nil {
		return
	}
	if st.sent {
		st.sent, st.activeAt = false, now
		return
	}
	if *budget <= 0 || now.Sub(st.activeAt) < l.srv.cfg.CompactIdle || st.stream.Hibernating() {
		return
	}
	*budget--
	if err := st.stream.Hibernate(); err != nil {
		// The stream stays active and usable; try again next tick.
		l.srv.log.Warn("compact stream did not hibernate", "conn", remoteAddr(c.gc), "err", err)
		return
	}
	st.asleep = true
	l.srv.stats.hibernations.Add(1)
	l.srv.stats.hibernating.Add(1)
}

// closePools frees every loop's compact pools. Only once gnet.Run has
// returned: no loop may be running.
func (s *Server) closePools() {
	s.loopsMu.Lock()
	defer s.loopsMu.Unlock()
	for _, l := range s.loops {
		for mode, p := range l.pools {
			_ = p.Close()
			delete(l.pools, mode)
		}
	}
}
