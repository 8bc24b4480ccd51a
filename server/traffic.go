package server

import (
	"errors"
	"strconv"
	"time"

	"github.com/panjf2000/gnet/v2"

	"gatehouse/core/compress"
	"gatehouse/core/protocol"
	"gatehouse/server/ws"
)

// OnTraffic implements gnet.EventHandler. Runs on the connection's loop.
// Inbound bytes stay in gnet's buffer: they are peeked, parsed in place and
// discarded only once a whole request or frame has been used.
func (s *Server) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*wsConn)
	if !ok {
		return gnet.Close
	}
	buf, _ := gc.Peek(-1)
	used := 0
	if c.phase == phaseHandshake {
		n, ok := s.handshake(c, buf)
		if !ok {
			_, _ = gc.Discard(len(buf))
			return gnet.None
		}
		used = n
	}
	for c.phase == phaseOpen || c.phase == phaseClosing {
		n, ev, err := c.dec.Decode(buf[used:], s.cfg.MaxMessage)
		used += n
		if err != nil {
			var ce *ws.CloseError
			code, msg := protocol.CloseProtocolError, err.Error()
			if errors.As(err, &ce) {
				code = protocol.CloseCode(ce.Code)
			}
			c.lp.closeConn(c, code, msg)
			c.phase = phaseClosed
			_ = gc.Close()
			break
		}
		if n == 0 {
			break
		}
		if ev.Kind != ws.KindNone {
			s.onEvent(c, ev)
		}
	}
	if c.phase == phaseClosed {
		used = len(buf)
	}
	_, _ = gc.Discard(used)
	// Whatever handling queued (ACKs, READY, replays) goes out now, in this
	// wake-up, rather than in a later flush task.
	c.lp.drain(c)
	return gnet.None
}

// onEvent handles one WebSocket message or control frame. Loop only.
func (s *Server) onEvent(c *wsConn, ev ws.Event) {
	switch ev.Kind {
	case ws.KindText, ws.KindBinary:
		if c.phase != phaseOpen {
			return
		}
		if len(ev.Payload) > protocol.MaxClientPayload {
			c.lp.closeConn(c, protocol.CloseDecodeError, "payload over 4096 bytes")
			return
		}
		if err := c.proto.Handle(ev.Payload, time.Now()); err != nil {
			code, msg := closeOf(err)
			c.lp.closeConn(c, code, msg)
		}
	case ws.KindPing:
		if c.phase == phaseOpen {
			_, _ = c.gc.Write(ws.AppendFrame(nil, ws.OpPong, ev.Payload))
		}
	case ws.KindPong:
	case ws.KindClose:
		c.clientCode = int(ev.Code)
		if ev.Code == ws.CloseNoStatus {
			c.clientCode = 0
		}
		if c.phase == phaseOpen {
			// Echo the client's code, then close.
			c.markGone()
			_, _ = c.gc.Write(ws.AppendClose(nil, ev.Code, ""))
			s.log.Info("client closed", "conn", remoteAddr(c.gc), "code", c.clientCode, "reason", string(ev.Payload), "session", c.sessionID())
		}
		c.phase = phaseClosed
		_ = c.gc.Close()
	}
}

// handshake parses the upgrade request. It returns the bytes used and false
// when the connection was rejected (or is waiting for more bytes with ok
// true and n 0). Loop only.
func (s *Server) handshake(c *wsConn, buf []byte) (int, bool) {
	n, req, err := ws.ParseUpgrade(buf, ws.UpgradeLimits{MaxHeaderBytes: s.cfg.MaxHeaderBytes})
	if err != nil {
		s.log.Info("upgrade rejected", "conn", remoteAddr(c.gc), "err", err)
		_, _ = c.gc.Write(ws.RejectResponse(err))
		c.phase = phaseClosed
		_ = c.gc.Close()
		return 0, false
	}
	if n == 0 {
		return 0, true
	}
	if s.refuseDraining(c) {
		return 0, false
	}
	if _, err := c.gc.Write(ws.AcceptResponse(req.Key, nil)); err != nil {
		c.phase = phaseClosed
		_ = c.gc.Close()
		return 0, false
	}
	c.phase = phaseOpen
	c.deadline = time.Time{}

	if code, msg := s.checkQuery(c, &req); code != 0 {
		c.lp.closeConn(c, code, msg)
		return n, true
	}
	c.proto = s.mgr.NewConn(c, time.Now())
	return n, true
}

// checkQuery applies v, encoding and compress from the gateway URL. Loop only.
func (s *Server) checkQuery(c *wsConn, req *ws.UpgradeRequest) (protocol.CloseCode, string) {
	if v := req.QueryValue("v"); v != nil {
		n, err := strconv.Atoi(string(v))
		if err != nil || !s.versionAllowed(n) {
			return protocol.CloseInvalidAPIVersion, "Invalid API version: " + string(v)
		}
	}
	switch enc := string(req.QueryValue("encoding")); enc {
	case "", "json":
	case "etf":
		return protocol.CloseDecodeError, "encoding=etf is not supported yet; use encoding=json"
	default:
		return protocol.CloseDecodeError, "unknown encoding " + strconv.Quote(enc)
	}
	mode, err := compress.ParseMode(string(req.QueryValue("compress")))
	if err != nil {
		return protocol.CloseDecodeError, err.Error()
	}
	if mode == compress.None {
		return 0, ""
	}
	if s.cfg.Compression == nil {
		return protocol.CloseUnknownError, "compression is not available on this node"
	}
	c.comp, err = c.lp.newCompressor(c, mode)
	if err != nil {
		s.log.Error("compressor", "mode", mode.String(), "err", err)
		return protocol.CloseUnknownError, "compression unavailable"
	}
	c.binary = true
	return 0, ""
}

func (s *Server) versionAllowed(v int) bool {
	for _, a := range s.cfg.AllowedVersions {
		if a == v {
			return true
		}
	}
	return false
}
