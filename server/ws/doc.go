// Package ws is gatehouse's WebSocket layer below the gateway protocol: an
// HTTP/1.1 upgrade parser and a streaming RFC 6455 frame codec that parse
// straight from the connection's inbound buffer. It imports neither gnet nor
// net/http, so it is tested and fuzzed on plain byte slices.
//
// # Contract with the event loop
//
// The caller peeks every buffered inbound byte (gnet: c.Peek(-1), no copy),
// hands the slice to ParseUpgrade or (*Decoder).Decode, and discards exactly
// the bytes they report consumed (c.Discard(n)). An incomplete request or
// frame consumes 0 bytes and is not touched, so a partial frame stays in
// gnet's buffer and is never copied into a per-connection one. The only
// per-connection copy is the reassembly buffer of a fragmented message, which
// holds completed fragments only, is capped by the message limit and is
// pooled when the message is done.
//
// Decode unmasks client payloads in place, writing into the peeked slice.
// That is allowed because it writes only bytes it reports consumed, which the
// caller discards right after: consumed bytes must never be fed to Decode a
// second time. Event payloads alias the peeked slice (or the reassembly
// buffer) and are valid until Discard or the next Decode call, so handle each
// event before discarding. Peek once, decode in a loop, discard once:
//
//	func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
//		st := c.Context().(*connState)
//		buf, _ := c.Peek(-1)
//		off := 0
//		if !st.upgraded {
//			n, req, err := ws.ParseUpgrade(buf, s.upgradeLimits)
//			if err != nil {
//				c.Write(ws.RejectResponse(err))
//				return gnet.Close
//			}
//			if n == 0 {
//				return gnet.None // need more; the handshake timer is running
//			}
//			// check req.Path, req.QueryValue("v"), "encoding", "compress" here:
//			// req aliases buf.
//			var out [160]byte // the 101 response is 129 bytes
//			c.Write(ws.AcceptResponse(req.Key, out[:0]))
//			st.upgraded = true
//			off = n
//		}
//		for {
//			n, ev, err := st.dec.Decode(buf[off:], s.maxMessage)
//			if err != nil {
//				ce := err.(*ws.CloseError)
//				c.Write(ws.AppendClose(nil, ce.Code, ce.Reason))
//				c.Discard(off)
//				return gnet.Close
//			}
//			if n == 0 {
//				break
//			}
//			off += n
//			switch ev.Kind {
//			case ws.KindText, ws.KindBinary:
//				// len(ev.Payload) > 4096 → close 4002 (gateway rule)
//			case ws.KindPing:
//				c.Write(ws.AppendFrame(nil, ws.OpPong, ev.Payload))
//			case ws.KindClose:
//				// echo: ws.AppendClose(nil, ev.Code, "") (1005 → empty payload)
//			}
//		}
//		c.Discard(off)
//		return gnet.None
//	}
//
// Decode reports an oversized message (ErrMessageTooBig, 1009) as soon as the
// frame header shows it, so no more than maxMessage+MaxHeaderLen bytes of one
// frame are ever waited for.
//
// # Server and client frames
//
// Decoder enforces the server side of RFC 6455: client frames must be masked,
// reserved bits must be clear (no extension is negotiated), opcodes must be
// known, control frames must be final and at most 125 bytes, fragments must
// follow the continuation rules, text must be UTF-8 and close frames must
// carry a valid code. Every violation is a *CloseError with the close code to
// send. ClientDecoder applies the same rules to unmasked server frames, and
// AppendMaskedFrame writes client frames, for tests and the load generator.
//
// The encoder writes final, unmasked server frames: AppendFrame, AppendClose,
// and AppendHeader for writing a header in front of a payload held elsewhere.
//
// # Memory
//
// A Decoder is one pointer (8 bytes), nil unless a fragmented message is being
// reassembled, and needs no constructor. Nothing in this package allocates per
// message in the steady state.
package ws
