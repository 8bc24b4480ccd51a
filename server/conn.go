package server

import (
	"context"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"

	"gatehouse/core/compress"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
	"gatehouse/server/ws"
)

// phase is where a connection is in its life.
type phase uint8

const (
	phaseHandshake phase = iota // waiting for the HTTP upgrade
	phaseOpen                   // WebSocket open
	phaseClosing                // our close frame sent; waiting for the client's
	phaseClosed                 // gone
)

// wsConn is one client connection, stored as its gnet context.
//
// Fields above mu are owned by the connection's event loop (lp) and touched
// only there. Fields below mu are the outbound queue and may be touched by
// any goroutine holding mu.
type wsConn struct {
	gc    gnet.Conn
	lp    *loop
	srv   *Server
	phase phase
	// deadline is when the handshake or the close handshake gives up.
	deadline time.Time
	dec      ws.Decoder
	proto    *session.Conn
	comp     compress.Compressor // transport compression; nil for none
	compact  *compactState       // comp's idle bookkeeping when it is a compact stream
	binary   bool                // frames are binary (transport compression on)
	// payloadZlib is Identify compress:true; set by the loop when it drains
	// the flag below.
	payloadZlib bool
	clientCode  int                // close code the client sent, if any
	serverCode  protocol.CloseCode // close code we sent, if any

	mu         sync.Mutex
	queue      []protocol.Frame
	queueBox   *[]protocol.Frame // queue's holder from queuePool; nil with queue
	queueBytes int
	dirty      bool // queued on lp's dirty list
	gone       bool // no more sends accepted
	closeCode  protocol.CloseCode
	closeMsg   string
	wantClose  bool
	wantPZ     int8 // payload compression change requested: 1 on, -1 off
}

var _ session.Link = (*wsConn)(nil)

// queuePool recycles outbound queue slices. Send takes one for a connection
// whose queue is empty and the loop gives it back once its frames are
// written, so a connection in a burst does not grow a fresh slice (and the
// GC another) every flush, and an idle connection holds none. The slice
// travels in a box so that Put does not allocate.
var queuePool = sync.Pool{New: func() any { return new([]protocol.Frame) }}

// maxPooledQueue is the largest queue capacity given back to queuePool; a
// burst's bigger slices are left to the GC.
const maxPooledQueue = 256

// recycleQueue clears frames, so that the pool keeps no payload alive, and
// returns them to queuePool in box. Any goroutine.
func recycleQueue(box *[]protocol.Frame, frames []protocol.Frame) {
	if box == nil || cap(frames) > maxPooledQueue {
		return
	}
	clear(frames)
	*box = frames[:0]
	queuePool.Put(box)
}

// Send implements session.Link: any goroutine.
func (c *wsConn) Send(f protocol.Frame) bool {
	c.mu.Lock()
	if c.gone || c.wantClose {
		c.mu.Unlock()
		return false
	}
	size := f.Size()
	if c.queueBytes+size > c.srv.cfg.MaxOutboundBytes {
		c.wantClose, c.closeCode, c.closeMsg = true, protocol.CloseUnknownError, "slow reader: outbound queue full"
		c.queue, c.queueBox, c.queueBytes = nil, nil, 0
		c.markDirtyLocked()
		c.mu.Unlock()
		return false
	}
	if c.queueBox == nil {
		c.queueBox = queuePool.Get().(*[]protocol.Frame)
		c.queue = *c.queueBox
	}
	c.queue = append(c.queue, f)
	c.queueBytes += size
	c.markDirtyLocked()
	c.mu.Unlock()
	return true
}

// Close implements session.Link: any goroutine.
func (c *wsConn) Close(code protocol.CloseCode, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone || c.wantClose {
		return
	}
	c.wantClose, c.closeCode, c.closeMsg = true, code, reason
	c.markDirtyLocked()
}

// SetPayloadCompression implements session.Link: any goroutine.
func (c *wsConn) SetPayloadCompression(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if on {
		c.wantPZ = 1
	} else {
		c.wantPZ = -1
	}
}

// markDirtyLocked puts c on its loop's dirty list once. c.mu must be held.
func (c *wsConn) markDirtyLocked() {
	if c.dirty {
		return
	}
	c.dirty = true
	c.lp.markDirty(c)
}

// take swaps out what the loop must do for c; the loop hands frames and box
// to recycleQueue once written. Loop only.
func (c *wsConn) take() (frames []protocol.Frame, box *[]protocol.Frame, closeReq bool, code protocol.CloseCode, msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// An idle connection keeps no slice: the next Send takes one from
	// queuePool.
	frames, box, c.queue, c.queueBox = c.queue, c.queueBox, nil, nil
	c.queueBytes = 0
	c.dirty = false
	if c.wantPZ != 0 {
		c.payloadZlib = c.wantPZ > 0
		c.wantPZ = 0
	}
	if c.wantClose {
		closeReq, code, msg = true, c.closeCode, c.closeMsg
		c.wantClose = false
		c.gone = true
	}
	return
}

// markGone refuses further sends. Loop only.
func (c *wsConn) markGone() {
	c.mu.Lock()
	c.gone = true
	c.queue, c.queueBox, c.queueBytes = nil, nil, 0
	c.mu.Unlock()
}

// Exec implements session.Link: runs fn on c's event loop (any goroutine may
// call it), then flushes what fn queued. A non-nil error closes c with it.
func (c *wsConn) Exec(fn func() error) {
	err := c.lp.el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		if c.phase != phaseOpen {
			return nil
		}
		if err := fn(); err != nil {
			code, msg := closeOf(err)
			c.lp.closeConn(c, code, msg)
		}
		c.lp.drain(c)
		return nil
	}))
	if err != nil {
		c.srv.log.Warn("exec not scheduled", "err", err)
	}
}
