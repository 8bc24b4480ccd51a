package session

import (
	"strconv"
	"time"

	"gatehouse/core/protocol"
)

// Conn is the protocol state of one client connection: before Identify,
// identified (carrying a Session) or closed. It is owned by the goroutine
// that owns the connection (its event loop) and is not safe for concurrent
// use; the Session it carries is.
type Conn struct {
	m        *Manager
	link     Link
	sess     *Session
	lastBeat time.Time // last heartbeat from the client (or Hello)
	winStart time.Time // start of the payload rate window
	winCount int
	closed   bool
	// identifying is set while Config.Resolve is answering an Identify.
	identifying bool
	// beatAsked is set once the server sent op 1 for the current interval.
	beatAsked bool
}

// NewConn starts the protocol on a new connection: it queues Hello.
func (m *Manager) NewConn(link Link, now time.Time) *Conn {
	c := &Conn{m: m, link: link, lastBeat: now, winStart: now}
	link.Send(protocol.Frame{Op: protocol.OpHello, D: m.hello()})
	return c
}

// Session is the session this connection carries, or nil.
func (c *Conn) Session() *Session { return c.sess }

// Handle processes one client payload (a complete text or decompressed
// message). A non-nil error is a protocol.CloseCode or *protocol.CloseError
// the transport must close the connection with.
func (c *Conn) Handle(payload []byte, now time.Time) error {
	if c.closed {
		return nil
	}
	if len(payload) > protocol.MaxClientPayload {
		return protocol.CloseDecodeError
	}
	if now.Sub(c.winStart) >= c.m.cfg.PayloadWindow {
		c.winStart, c.winCount = now, 0
	}
	c.winCount++
	if c.winCount > c.m.cfg.PayloadLimit {
		return protocol.CloseRateLimited
	}
	in, err := protocol.DecodeInbound(payload)
	if err != nil {
		return protocol.CloseDecodeError
	}
	switch in.Op {
	case protocol.OpHeartbeat:
		c.lastBeat, c.beatAsked = now, false
		c.link.Send(protocol.Frame{Op: protocol.OpHeartbeatACK})
		return nil
	case protocol.OpIdentify:
		return c.identify(in.D, now)
	case protocol.OpResume:
		return c.resume(in.D, now)
	}
	if c.sess == nil {
		if knownOp(in.Op) {
			return protocol.CloseNotAuthenticated
		}
		return protocol.CloseUnknownOpcode
	}
	switch in.Op {
	case protocol.OpPresenceUpdate:
		return c.presence(in.D)
	case protocol.OpVoiceStateUpdate:
		return c.voiceState(in.D)
	case protocol.OpRequestGuildMembers:
		return c.requestMembers(in.D)
	case protocol.OpLazyRequest:
		return c.lazyRequest(in.D)
	}
	return protocol.CloseUnknownOpcode
}

func knownOp(op protocol.Op) bool {
	switch op {
	case protocol.OpPresenceUpdate, protocol.OpVoiceStateUpdate, protocol.OpRequestGuildMembers, protocol.OpLazyRequest:
		return true
	}
	return false
}

// Tick checks the heartbeat deadline. The transport calls it periodically on
// the owning goroutine; an error means close with it (the session stays
// resumable).
func (c *Conn) Tick(now time.Time) error {
	if c.closed {
		return nil
	}
	late := now.Sub(c.lastBeat)
	if late > c.m.cfg.HeartbeatInterval+c.m.cfg.HeartbeatTolerance {
		return protocol.CloseSessionTimedOut
	}
	if late > c.m.cfg.HeartbeatInterval && !c.beatAsked {
		// Ask once, within the tolerance, before giving up on the client.
		c.beatAsked = true
		c.RequestHeartbeat()
	}
	return nil
}

// RequestHeartbeat asks the client for a heartbeat now (op 1 from the server).
func (c *Conn) RequestHeartbeat() {
	c.link.Send(protocol.Frame{Op: protocol.OpHeartbeat})
}

// Closed tells the Conn its transport is gone. clientCode is the close code
// the client sent, or 0 when it sent none (dropped TCP, server close). A
// client close with 1000 or 1001 ends the session; anything else leaves it
// resumable. serverCode is the code the server closed with, or 0. When the
// server closed first, the client's code is only its reply and does not
// decide: discordgo answers every server close with 1000 and then resumes.
func (c *Conn) Closed(clientCode int, serverCode protocol.CloseCode, now time.Time) {
	if c.closed {
		return
	}
	c.closed = true
	s := c.sess
	if s == nil {
		return
	}
	s.detach(c.link, now)
	switch {
	case serverCode != 0:
		if serverCode.EndsSession() {
			c.m.End(s, "server closed with "+strconv.Itoa(int(serverCode)))
		}
	case clientCode == 1000 || clientCode == 1001:
		c.m.End(s, "client closed with "+strconv.Itoa(clientCode))
	}
}

// invalidSession sends op 9 with d false; the socket stays open for a fresh
// Identify or Resume.
func (c *Conn) invalidSession() {
	c.link.Send(protocol.Frame{Op: protocol.OpInvalidSession, D: []byte("false")})
}
