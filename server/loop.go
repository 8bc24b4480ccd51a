package server

import (
	"context"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"

	"gatehouse/core/compress"
	"gatehouse/core/protocol"
	"gatehouse/server/ws"
)

// loop is the server's state for one gnet event loop.
//
// conns, the scratch buffers and payloadZ are owned by the loop goroutine.
// dirty and flushQueued are guarded by mu: any goroutine may mark a
// connection dirty, and the first to do so while no flush is pending
// schedules one flush task on the loop (one Execute per loop per batch, not
// per send). flushQueued stays set until a flush finds nothing left to do.
type loop struct {
	srv *Server
	el  gnet.EventLoop

	conns    map[*wsConn]struct{}
	enc      []byte              // JSON envelope scratch
	cmp      []byte              // compressor output scratch
	out      []byte              // frames for one connection, written with one Write
	payloadZ compress.Compressor // shared payload-zlib encoder: stateless between messages
	// pools lend working contexts to the loop's compact streams, one per
	// format, made on first use (see compact.go).
	pools map[compress.Mode]compress.CompactPool

	mu          sync.Mutex
	dirty       []*wsConn
	flushQueued bool
}

// flushYield is how long a flush that ran out of budget waits before the
// next one is queued: long enough for gnet to finish its round of tasks and
// poll the sockets (see loop.flush).
const flushYield = 50 * time.Microsecond

func newLoop(s *Server, el gnet.EventLoop) *loop {
	return &loop{srv: s, el: el, conns: make(map[*wsConn]struct{})}
}

// markDirty queues c for the next flush. Any goroutine (c.mu held by caller).
func (l *loop) markDirty(c *wsConn) {
	l.mu.Lock()
	l.dirty = append(l.dirty, c)
	queue := !l.flushQueued
	l.flushQueued = true
	l.mu.Unlock()
	if queue {
		l.scheduleFlush()
	}
}

// scheduleFlush queues a flush task. flushQueued is set by the caller.
func (l *loop) scheduleFlush() {
	if err := l.el.Execute(context.Background(), gnet.RunnableFunc(l.flush)); err != nil {
		l.srv.log.Warn("flush task not scheduled", "err", err)
		l.mu.Lock()
		l.flushQueued = false
		l.mu.Unlock()
	}
}

// flush drains dirty connections for at most FlushBudget, then gives the
// loop back to its sockets. Loop only.
//
// gnet runs queued tasks until its task queue is empty before it polls
// again, and a task queued while tasks run joins the same round. A hub
// fanning out faster than the loop writes (compressed streams, a burst)
// would otherwise keep the loop in flush tasks for seconds, reading no
// socket: heartbeats would go unread until the client is timed out (4009),
// and Identify, Resume and op 8 would wait behind the backlog. So a flush
// that runs out of budget puts the rest back at the front of the dirty list
// and queues the next flush only after flushYield, from a timer, once this
// round of tasks is over; no Send queues one meanwhile (flushQueued stays
// set).
func (l *loop) flush(context.Context) error {
	l.mu.Lock()
	batch := l.dirty
	l.dirty = nil
	l.mu.Unlock()
	start := time.Now()
	done := 0
	for done < len(batch) {
		l.drain(batch[done])
		batch[done] = nil
		done++
		if done%8 == 0 && time.Since(start) > l.srv.cfg.FlushBudget {
			break
		}
	}
	l.mu.Lock()
	if rest := batch[done:]; len(rest) > 0 {
		l.dirty = append(rest, l.dirty...)
	}
	more := len(l.dirty) > 0
	l.flushQueued = more
	l.mu.Unlock()
	if more {
		time.AfterFunc(flushYield, l.scheduleFlush)
	}
	return nil
}

// drain writes c's queued frames (and a requested close). Loop only.
func (l *loop) drain(c *wsConn) {
	closeReq, code, msg := l.writeQueued(c)
	switch {
	case c.phase >= phaseClosing:
	case closeReq:
		l.closeConn(c, code, msg)
	case c.gc.OutboundBuffered() > l.srv.cfg.MaxOutboundBytes:
		l.closeConn(c, protocol.CloseUnknownError, "slow reader: outbound buffer full")
	}
}

// writeQueued writes c's queued frames and returns a close requested through
// Link.Close (or made necessary by a compression failure) for the caller to
// act on. Once c is closing the queue is dropped instead. Loop only.
func (l *loop) writeQueued(c *wsConn) (closeReq bool, code protocol.CloseCode, msg string) {
	frames, box, closeReq, code, msg := c.take()
	defer recycleQueue(box, frames)
	if c.phase == phaseClosed || c.phase == phaseClosing {
		return false, 0, ""
	}
	l.out = l.out[:0]
	for i := range frames {
		if err := l.appendFrame(c, &frames[i]); err != nil {
			l.srv.log.Error("compress failed", "conn", remoteAddr(c.gc), "err", err)
			closeReq, code, msg = true, protocol.CloseUnknownError, "internal compression error"
			break
		}
	}
	if len(l.out) > 0 {
		if _, err := c.gc.Write(l.out); err != nil {
			l.srv.log.Debug("write failed", "conn", remoteAddr(c.gc), "err", err)
		}
	}
	if cap(l.out) > 1<<20 {
		l.out = nil // do not keep one huge burst's buffer forever
	}
	return closeReq, code, msg
}

// appendFrame encodes f for c onto l.out: envelope, compression, WebSocket
// frame header. Loop only.
func (l *loop) appendFrame(c *wsConn, f *protocol.Frame) error {
	var err error
	switch {
	case c.comp != nil:
		l.enc = f.AppendTo(l.enc[:0])
		l.cmp, err = c.comp.Compress(l.cmp[:0], l.enc)
		if err != nil {
			return err
		}
		if c.compact != nil {
			if c.compact.log != nil {
				c.compact.log.record(f)
			}
			l.markSent(c.compact)
		}
		l.out = ws.AppendHeader(l.out, ws.OpBinary, len(l.cmp))
		l.out = append(l.out, l.cmp...)
	case c.payloadZlib && f.Size() >= l.srv.cfg.PayloadMinLen:
		if l.payloadZ == nil {
			if l.payloadZ, err = l.srv.cfg.Compression.NewPayloadZlib(l.srv.cfg.Zlib); err != nil {
				return err
			}
		}
		l.enc = f.AppendTo(l.enc[:0])
		l.cmp, err = l.payloadZ.Compress(l.cmp[:0], l.enc)
		if err != nil {
			return err
		}
		l.out = ws.AppendHeader(l.out, ws.OpBinary, len(l.cmp))
		l.out = append(l.out, l.cmp...)
	default:
		l.out = ws.AppendHeader(l.out, ws.OpText, f.Size())
		l.out = f.AppendTo(l.out)
	}
	if cap(l.enc) > 1<<20 {
		l.enc, l.cmp = nil, nil
	}
	return nil
}

// closeConn starts the server side of the close handshake: close frame out,
// then wait up to CloseTimeout for the client's close before dropping TCP.
// Loop only.
func (l *loop) closeConn(c *wsConn, code protocol.CloseCode, msg string) {
	if c.phase >= phaseClosing {
		return
	}
	// What was queued before the close goes out before the close frame: the
	// ACKs and READY answering earlier payloads of the same read, say. A
	// close request found in the queue is superseded by this one.
	l.writeQueued(c)
	c.markGone()
	c.serverCode = code
	l.srv.log.Info("closing connection", "conn", remoteAddr(c.gc), "code", int(code), "reason", msg, "session", c.sessionID())
	if _, err := c.gc.Write(ws.AppendClose(nil, ws.CloseCode(code), msg)); err != nil {
		_ = c.gc.Close()
		return
	}
	c.phase = phaseClosing
	c.deadline = time.Now().Add(l.srv.cfg.CloseTimeout)
}

// tick checks every connection's deadlines. Loop only.
func (l *loop) tick(context.Context) error {
	now := time.Now()
	hibernations := maxHibernationsPerTick
	for c := range l.conns {
		switch c.phase {
		case phaseHandshake:
			if now.After(c.deadline) {
				l.srv.log.Info("handshake timeout", "conn", remoteAddr(c.gc))
				c.phase = phaseClosed
				_ = c.gc.Close()
			}
		case phaseClosing:
			if now.After(c.deadline) {
				_ = c.gc.Close()
			}
		case phaseOpen:
			if err := c.proto.Tick(now); err != nil {
				code, msg := closeOf(err)
				l.closeConn(c, code, msg)
			}
			l.idleCheck(c, now, &hibernations)
		}
	}
	return nil
}

// closeOf maps a session error to the close code and reason to send.
func closeOf(err error) (protocol.CloseCode, string) {
	switch e := err.(type) {
	case protocol.CloseCode:
		return e, e.Reason()
	case *protocol.CloseError:
		return e.Code, e.Msg
	}
	return protocol.CloseUnknownError, err.Error()
}

func (c *wsConn) sessionID() string {
	if c.proto != nil {
		if s := c.proto.Session(); s != nil {
			return s.ID
		}
	}
	return ""
}
