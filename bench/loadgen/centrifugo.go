package loadgen

import (
	"bytes"
	"time"

	"github.com/bytedance/sonic"

	"gatehouse/server/ws"
)

// Centrifugo's JSON client protocol (Protocol "centrifugo"), the part a
// subscriber needs: after the upgrade the client sends a connect command,
// then a subscribe command; the server answers each with a reply carrying
// the command's id, and later sends pushes (publications) with no id. An
// empty object {} from the server is a ping, answered with {}. One
// WebSocket message may carry several replies, one JSON object per line.
// With the server's client.insecure mode no token is needed.

// Command ids of the two commands a connection sends.
const (
	centConnectID   = 1
	centSubscribeID = 2
)

// centReply is one server reply or push, with the parts left raw that only
// need to be present.
type centReply struct {
	ID    uint32 `json:"id"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Connect   sonic.NoCopyRawMessage `json:"connect"`
	Subscribe sonic.NoCopyRawMessage `json:"subscribe"`
	Push      *struct {
		Channel    string                 `json:"channel"`
		Pub        sonic.NoCopyRawMessage `json:"pub"`
		Disconnect sonic.NoCopyRawMessage `json:"disconnect"`
	} `json:"push"`
}

// centConnect sends the connect command once the upgrade is done. Loop only.
func (c *conn) centConnect(now int64) {
	c.identAt = now
	c.lp.r.c.identifies.Add(1)
	c.send(ws.OpText, []byte(`{"id":1,"connect":{"name":"gatehouse-loadgen"}}`))
}

// onCentrifugo handles one WebSocket message of the JSON protocol: one or
// more replies separated by newlines. Loop only.
func (c *conn) onCentrifugo(payload []byte, now int64) {
	for len(payload) > 0 && c.phase != phaseClosed {
		line := payload
		if i := bytes.IndexByte(payload, '\n'); i >= 0 {
			line, payload = payload[:i], payload[i+1:]
		} else {
			payload = nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		c.onCentReply(line, now)
	}
}

func (c *conn) onCentReply(line []byte, now int64) {
	r := c.lp.r
	var rep centReply
	if err := sonic.ConfigStd.Unmarshal(line, &rep); err != nil {
		c.fail(ErrJSON)
		return
	}
	switch {
	case rep.Error != nil:
		c.fail(ErrReady)
	case rep.ID == centConnectID && len(rep.Connect) > 0:
		if c.phase != phaseHello {
			c.fail(ErrOrder)
			return
		}
		c.helloAt = now
		r.c.hellos.Add(1)
		c.phase = phaseReadyWait
		b := append(c.lp.pay[:0], `{"id":2,"subscribe":{"channel":`...)
		b = appendJSONString(b, r.cfg.Channel)
		b = append(b, "}}"...)
		c.lp.pay = b
		c.send(ws.OpText, b)
	case rep.ID == centSubscribeID && len(rep.Subscribe) > 0:
		if c.phase != phaseReadyWait {
			c.fail(ErrOrder)
			return
		}
		c.sessionID = "centrifugo"
		c.phase = phaseReady
		r.helloToReady.Record(time.Duration(now - c.helloAt))
		r.identifyToReady.Record(time.Duration(now - c.identAt))
		r.dialToReady.Record(time.Duration(now - c.dialAt))
		r.noteReady(now)
		c.resolve(true)
	case rep.Push != nil && len(rep.Push.Pub) > 0:
		if c.phase != phaseReady {
			c.fail(ErrOrder)
			return
		}
		r.c.dispatches.Add(1)
		r.noteTagged(rep.Push.Pub, now, &c.lp.tagAt)
	case rep.Push != nil && len(rep.Push.Disconnect) > 0:
		r.c.errs[ErrServerClose].Add(1)
		c.resolve(false)
		c.close()
	case rep.ID == 0 && rep.Push == nil:
		// Ping: answer with a pong.
		r.c.acks.Add(1)
		r.c.hbSent.Add(1)
		c.send(ws.OpText, []byte(`{}`))
	default:
		c.fail(ErrOrder)
	}
}
