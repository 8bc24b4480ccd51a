package loadgen

import (
	"encoding/binary"
	"time"

	"github.com/panjf2000/gnet/v2"

	"gatehouse/server/ws"
)

// phase is where a connection is in its setup.
type phase uint8

const (
	phaseUpgrading    phase = iota // upgrade request sent, waiting for 101
	phaseHello                     // WebSocket open, waiting for Hello
	phaseIdentifyWait              // Hello in, Identify held for the barrier
	phaseReadyWait                 // Identify sent, waiting for READY
	phaseRetryWait                 // op 9 answered the Identify; a new one goes at retryAt
	phaseResumeWait                // Resume sent on a new connection, waiting for RESUMED
	phaseReady                     // identified: heartbeating and counting dispatches
	phaseClosed                    // closing or closed; nothing more is sent
)

// conn is one gateway session. It is created by a dialer goroutine, and
// from OnOpen on it is owned by its gnet event loop: every field is read and
// written only there. Times are ns since the run started (Runner.now).
type conn struct {
	lp         *loop
	gc         gnet.Conn
	prev, next *conn // lp's list

	idx       uint32 // user = UserBase + idx
	phase     phase
	resolved  bool // counted once, in ready or failed
	closeSeen bool // the server sent a close frame
	closeSent bool // we sent one
	// wantResume: this connection is being dropped (op 7, DropAll, lost
	// TCP) and its session should resume on a new one.
	wantResume bool
	back       bool  // a resume connection that got RESUMED (or READY after op 9)
	attempt    uint8 // 0 for a first connection, else which resume attempt

	key     [16]byte // Sec-WebSocket-Key
	dialAt  int64
	helloAt int64
	identAt int64
	hbEvery int64 // heartbeat interval from Hello, ns
	hbDue   int64
	retryAt int64
	dropAt  int64  // when the session lost its connection, while resuming
	seq     uint64 // last dispatch s

	sessionID string // from READY, for resume
	left      []byte // an unfinished frame from the last read (OnTraffic)
	dec       ws.ClientDecoder
	inf       inflater // nil without transport compression

	lazySent bool  // op 14 sent (Config.Lazy)
	lazyGot  uint8 // bit i: chunk i of Config.Lazy has had its SYNC
}

// send writes one masked client frame. Loop only.
func (c *conn) send(op ws.Opcode, payload []byte) {
	if c.phase == phaseClosed && op != ws.OpClose {
		return
	}
	var key [4]byte
	binary.LittleEndian.PutUint32(key[:], c.lp.rng.Uint32())
	c.lp.out = ws.AppendMaskedFrame(c.lp.out[:0], op, payload, key)
	if _, err := c.gc.Write(c.lp.out); err != nil {
		c.fail(ErrWrite)
	}
	if cap(c.lp.out) > 64<<10 {
		c.lp.out = nil
	}
}

// fail counts kind and closes the connection; a connection that had not
// reached READY counts as failed. Loop only.
func (c *conn) fail(kind ErrKind) {
	r := c.lp.r
	r.c.errs[kind].Add(1)
	c.resolve(false)
	c.close()
}

// resolve counts the connection as READY or failed, once. Loop only.
func (c *conn) resolve(ready bool) {
	if c.resolved {
		return
	}
	c.resolved = true
	r := c.lp.r
	if ready {
		r.c.ready.Add(1)
	} else {
		r.c.failed.Add(1)
	}
	r.checkSetup()
}

// close drops the TCP connection; OnClose finishes the bookkeeping. Loop only.
func (c *conn) close() {
	if c.phase == phaseClosed {
		return
	}
	c.phase = phaseClosed
	_ = c.gc.Close()
}

// sayGoodbye sends close 1000 so the server ends the session at once
// instead of keeping it resumable; the server echoes it and drops TCP.
func (c *conn) sayGoodbye() {
	if c.phase == phaseClosed || c.phase == phaseUpgrading || c.closeSent {
		if c.phase == phaseUpgrading {
			c.close()
		}
		return
	}
	c.closeSent = true
	c.send(ws.OpClose, []byte{0x03, 0xe8}) // 1000
}

// heartbeat sends op 1 with the last seq; scheduled ones reschedule. Loop only.
func (c *conn) heartbeat(now int64, scheduled bool) {
	if c.phase == phaseClosed || c.closeSent {
		return
	}
	b := c.lp.pay[:0]
	b = append(b, `{"op":1,"d":`...)
	if c.seq == 0 {
		b = append(b, "null"...)
	} else {
		b = appendUint(b, c.seq)
	}
	b = append(b, '}')
	c.lp.pay = b
	c.send(ws.OpText, b)
	c.lp.r.c.hbSent.Add(1)
	if scheduled {
		c.hbDue = now + c.hbEvery
		c.lp.hb.add(c)
	}
}

// identify sends op 2 with a freshly minted token. Loop only.
func (c *conn) identify(now int64) {
	r := c.lp.r
	b := c.lp.pay[:0]
	b = append(b, `{"op":2,"d":{"token":"`...)
	b = append(b, r.signer.Mint(r.cfg.UserBase+uint64(c.idx), time.Now())...)
	b = append(b, `","properties":{"os":"linux","browser":"gatehouse-loadgen","device":"gatehouse-loadgen"},"intents":`...)
	b = appendUint(b, r.cfg.Intents)
	b = append(b, `}}`...)
	c.identAt = now
	c.phase = phaseReadyWait
	r.c.identifies.Add(1)
	c.lp.pay = b
	c.send(ws.OpText, b)
}
