package main

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// session is one connection: reader() runs on the HTTP handler's
// goroutine, writer() on its own. Only the writer writes to ws; the reader
// hands it control replies through ctl and the broadcaster hands it
// message bodies through out.
type session struct {
	srv *server
	ws  *websocket.Conn
	id  string

	out  chan []byte // message bodies to dispatch (shared, read-only)
	ctl  chan []byte // whole payloads: Hello, READY, ACK, op 9
	done chan struct{}
	once sync.Once
	seq  uint64 // writer only
}

// stop ends both goroutines and closes the socket. Any goroutine, once.
func (s *session) stop() {
	s.once.Do(func() {
		close(s.done)
		_ = s.ws.Close()
	})
}

// clientPayload is what the reader decodes of a client message.
type clientPayload struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
}

// identify is the part of op 2's d the session reads.
type identify struct {
	Token string `json:"token"`
}

// reader reads client payloads until the socket fails or the heartbeat
// deadline passes.
func (s *session) reader() {
	s.ctl <- []byte(`{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":` + strconv.FormatInt(s.srv.hb.Milliseconds(), 10) + `}}`)
	identified := false
	for {
		_ = s.ws.SetReadDeadline(time.Now().Add(s.srv.hb + s.srv.hb/2))
		_, msg, err := s.ws.ReadMessage()
		if err != nil {
			return
		}
		var p clientPayload
		if json.Unmarshal(msg, &p) != nil {
			return
		}
		var reply []byte
		switch p.Op {
		case 1:
			reply = []byte(`{"t":null,"s":null,"op":11,"d":null}`)
		case 2:
			var id identify
			if json.Unmarshal(p.D, &id) != nil || identified {
				return
			}
			uid, err := s.srv.signer.Verify(id.Token)
			if err != nil {
				return
			}
			identified = true
			reply = s.ready(uid)
		case 6:
			reply = []byte(`{"t":null,"s":null,"op":9,"d":false}`)
		default:
			continue
		}
		select {
		case s.ctl <- reply:
		case <-s.done:
			return
		}
		if p.Op == 2 {
			s.srv.add(s)
		}
	}
}

// ready is the READY dispatch (s = 1), with the fields clients check.
func (s *session) ready(uid uint64) []byte {
	id := strconv.FormatUint(uid, 10)
	return []byte(`{"t":"READY","s":1,"op":0,"d":{"v":10,"user":{"id":"` + id + `","username":"u` + id +
		`","discriminator":"0","global_name":null,"avatar":null,"bot":false,"mfa_enabled":false},"guilds":[],"session_id":"` +
		s.id + `","resume_gateway_url":"` + s.srv.resumeURL + `","shard":[0,1],"application":{"id":"` + id + `","flags":0}}}`)
}

// writer sends control payloads as they are, and each body from out as a
// MESSAGE_CREATE with the next s.
func (s *session) writer() {
	defer s.stop()
	var buf []byte
	for {
		select {
		case p := <-s.ctl:
			if len(p) > 13 && string(p[:13]) == `{"t":"READY",` {
				s.seq = 1
			}
			if s.ws.WriteMessage(websocket.TextMessage, p) != nil {
				return
			}
		case body := <-s.out:
			s.seq++
			buf = append(buf[:0], `{"t":"MESSAGE_CREATE","s":`...)
			buf = strconv.AppendUint(buf, s.seq, 10)
			buf = append(buf, `,"op":0,"d":`...)
			buf = append(buf, body...)
			buf = append(buf, '}')
			if s.ws.WriteMessage(websocket.TextMessage, buf) != nil {
				return
			}
			if cap(buf) > 64<<10 {
				buf = nil
			}
		case <-s.done:
			return
		}
	}
}
