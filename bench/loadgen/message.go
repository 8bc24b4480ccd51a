package loadgen

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/bytedance/sonic"

	"gatehouse/core/protocol"
	"gatehouse/server/ws"
)

// envelope is a server payload's frame: t, s and op, with d left raw.
type envelope struct {
	Op *int                   `json:"op"`
	S  *uint64                `json:"s"`
	T  *string                `json:"t"`
	D  sonic.NoCopyRawMessage `json:"d"`
}

// readyFields are the READY fields the load generator checks.
type readyFields struct {
	V    int `json:"v"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	SessionID        string `json:"session_id"`
	ResumeGatewayURL string `json:"resume_gateway_url"`
}

func appendUint(b []byte, v uint64) []byte { return strconv.AppendUint(b, v, 10) }

// onEvent handles one WebSocket message or control frame. Loop only.
func (c *conn) onEvent(ev ws.Event, now int64) {
	switch ev.Kind {
	case ws.KindText, ws.KindBinary:
		c.onMessage(ev.Payload, now)
	case ws.KindPing:
		c.send(ws.OpPong, ev.Payload)
	case ws.KindClose:
		c.onCloseFrame(ev.Code)
	}
}

// onCloseFrame answers the server's close frame. A close we did not ask
// for is an error, and a connection not yet READY has failed.
func (c *conn) onCloseFrame(code ws.CloseCode) {
	r := c.lp.r
	c.closeSeen = true
	if !c.closeSent {
		r.c.closeCode(int(code))
		r.c.errs[ErrServerClose].Add(1)
		c.resolve(false)
		c.closeSent = true
		echo := []byte{byte(code >> 8), byte(code)}
		if code == ws.CloseNoStatus {
			echo = nil
		}
		c.send(ws.OpClose, echo)
	}
	c.close()
}

// onMessage decodes one gateway payload and acts on it. Loop only.
func (c *conn) onMessage(payload []byte, now int64) {
	r := c.lp.r
	r.c.messages.Add(1)
	r.c.bytesIn.Add(int64(len(payload)))
	if r.centrifugo {
		c.onCentrifugo(payload, now)
		return
	}
	data := payload
	if c.inf != nil {
		out, err := c.inf.Inflate(c.lp.msg[:0], payload)
		c.lp.msg = out
		if err != nil {
			c.fail(ErrInflate)
			return
		}
		data = out
	}
	defer func() {
		if cap(c.lp.msg) > 1<<20 {
			c.lp.msg = nil // do not keep one huge message's buffer
		}
	}()
	if t, seq, d, ok := parseDispatch(data); ok && !bytes.Equal(t, []byte("READY")) && !bytes.Equal(t, []byte("RESUMED")) {
		// The common case, a dispatch in gatehouse's own layout, without
		// a JSON decoder (fastenv.go) and without allocating; READY and
		// RESUMED, other ops and peers' layouts take the decoder below.
		c.onDispatchFields(t, seq, d, data, now)
		return
	}
	var env envelope
	if err := sonic.ConfigStd.Unmarshal(data, &env); err != nil || env.Op == nil {
		c.fail(ErrJSON)
		return
	}
	switch protocol.Op(*env.Op) {
	case protocol.OpHello:
		c.onHello(env.D, now)
	case protocol.OpHeartbeatACK:
		r.c.acks.Add(1)
	case protocol.OpHeartbeat:
		c.heartbeat(now, false)
	case protocol.OpDispatch:
		c.onDispatch(&env, data, now)
	case protocol.OpReconnect:
		if r.cfg.Resume && c.sessionID != "" && (c.phase == phaseReady || c.phase == phaseResumeWait) {
			// As clients do: drop this connection and resume on a new one.
			r.c.reconnects.Add(1)
			if c.attempt == 0 || c.back {
				c.wantResume, c.dropAt = true, now
			}
			c.close()
			return
		}
		r.c.errs[ErrReconnect].Add(1)
	case protocol.OpInvalidSession:
		c.onInvalidSession(now)
	default:
		c.fail(ErrOrder)
	}
}

// onHello starts heartbeating and identifies (or waits for the barrier).
func (c *conn) onHello(d []byte, now int64) {
	r := c.lp.r
	if c.phase != phaseHello {
		c.fail(ErrOrder)
		return
	}
	var h struct {
		HeartbeatInterval int64 `json:"heartbeat_interval"`
	}
	if err := sonic.ConfigStd.Unmarshal(d, &h); err != nil || h.HeartbeatInterval <= 0 {
		c.fail(ErrJSON)
		return
	}
	c.helloAt = now
	r.c.hellos.Add(1)
	// The first heartbeat goes at interval × random[0,1), as clients do, so
	// a storm of connections does not heartbeat in lockstep.
	c.hbEvery = h.HeartbeatInterval * int64(time.Millisecond)
	c.hbDue = now + int64(c.lp.rng.Float64()*float64(c.hbEvery))
	c.lp.hb.add(c)
	if c.sessionID != "" {
		c.resume(now)
		return
	}
	if r.cfg.IdentifyBarrier && !r.released.Load() {
		c.phase = phaseIdentifyWait
		return
	}
	c.identify(now)
}

// onDispatch checks seq continuity and handles READY.
func (c *conn) onDispatch(env *envelope, data []byte, now int64) {
	if env.S == nil || env.T == nil {
		c.fail(ErrJSON)
		return
	}
	c.onDispatchFields([]byte(*env.T), *env.S, env.D, data, now)
}

// onDispatchFields acts on a dispatch named t with sequence seq and payload
// d (data is the whole message). Loop only.
func (c *conn) onDispatchFields(t []byte, seq uint64, d, data []byte, now int64) {
	r := c.lp.r
	r.c.dispatches.Add(1)
	if seq != c.seq+1 {
		r.c.errs[ErrSeqGap].Add(1)
	}
	c.seq = seq
	switch {
	case string(t) == "READY":
		c.onReady(d, data, now)
		return
	case c.phase == phaseResumeWait && string(t) == "RESUMED":
		c.onResumed(now)
		return
	case c.phase != phaseReady && c.phase != phaseResumeWait:
		c.fail(ErrOrder)
		return
	}
	if r.cfg.Lazy != nil && c.onLazy(string(t), d, len(data)) {
		return
	}
	r.noteTagged(d, now, &c.lp.tagAt)
}

// onReady validates READY: the whole payload must be valid JSON (checked
// with encoding/json, a decoder we did not write) and carry the session
// fields a client needs to resume.
func (c *conn) onReady(d, data []byte, now int64) {
	r := c.lp.r
	if c.phase != phaseReadyWait {
		c.fail(ErrOrder)
		return
	}
	if !json.Valid(data) {
		c.fail(ErrJSON)
		return
	}
	var rf readyFields
	if err := sonic.ConfigStd.Unmarshal(d, &rf); err != nil {
		c.fail(ErrReady)
		return
	}
	user := strconv.FormatUint(r.cfg.UserBase+uint64(c.idx), 10)
	if rf.V == 0 || rf.User.ID != user || rf.SessionID == "" || !strings.HasPrefix(rf.ResumeGatewayURL, "ws") {
		c.fail(ErrReady)
		return
	}
	c.sessionID = rf.SessionID
	c.phase = phaseReady
	r.noteResumeAddr(rf.ResumeGatewayURL)
	if c.attempt > 0 {
		// A resume refused with op 9 ended in a fresh session.
		c.back = true
	}
	r.helloToReady.Record(time.Duration(now - c.helloAt))
	r.identifyToReady.Record(time.Duration(now - c.identAt))
	r.dialToReady.Record(time.Duration(now - c.dialAt))
	r.noteReady(now)
	c.resolve(true)
}

// onInvalidSession handles op 9. Answering an Identify, it means "not now"
// (the identify rate limit, or a server too busy to look the user up): as
// client libraries do, wait 1-5 s and identify again on the same socket,
// until SetupTimeout. It is counted either way, so a run that was throttled
// says so.
func (c *conn) onInvalidSession(now int64) {
	r := c.lp.r
	r.c.errs[ErrInvalidSession].Add(1)
	if c.phase == phaseResumeWait {
		// The session is gone: what it missed is lost. Start a new one on
		// this socket, as clients do.
		r.c.resumeFailed.Add(1)
		r.c.resuming.Add(-1)
		c.sessionID, c.seq = "", 0
		c.identify(now)
		return
	}
	if c.phase != phaseReadyWait {
		c.resolve(false)
		c.close()
		return
	}
	c.phase = phaseRetryWait
	c.retryAt = now + int64(time.Second) + int64(c.lp.rng.Float64()*float64(4*time.Second))
	c.lp.retries = append(c.lp.retries, c)
}
