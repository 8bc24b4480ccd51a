package gatetest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"testing"
	"time"

	"gatehouse/server"
	"gatehouse/server/ws"
)

// Wait is how long the helpers below wait for the server by default. It is
// a bound on a hang, not a performance claim.
const Wait = 10 * time.Second

// Msg is one gateway payload as a client sees it, decoded with
// encoding/json.
type Msg struct {
	Op  int             `json:"op"`
	T   *string         `json:"t"`
	S   *uint64         `json:"s"`
	D   json.RawMessage `json:"d"`
	Raw []byte          `json:"-"`
	// Kind is the WebSocket frame kind the payload came in.
	Kind ws.Kind `json:"-"`
}

// Name is t, or "" when t is null.
func (m Msg) Name() string {
	if m.T == nil {
		return ""
	}
	return *m.T
}

// Seq is s, or 0 when s is null.
func (m Msg) Seq() uint64 {
	if m.S == nil {
		return 0
	}
	return *m.S
}

// CloseFrame is what Gateway.Read returns when the server sent a close frame.
type CloseFrame struct {
	Code   ws.CloseCode
	Reason string
}

func (e *CloseFrame) Error() string { return fmt.Sprintf("close frame %d %q", e.Code, e.Reason) }

// Gateway is a gateway client over a raw Client. It decodes every server
// frame as the negotiated compression says, with decoders gatehouse did not
// write, and checks PROTOCOL.md's framing rules on the way: under transport
// compression every frame is binary; otherwise binary frames appear only
// with Identify compress:true and are each a complete zlib stream.
type Gateway struct {
	*Client
	Stream *StreamDecoder // transport compression; nil for none
	// PayloadZlib accepts binary frames as complete zlib streams.
	PayloadZlib bool
}

// DialGateway dials srv with the URL query and prepares the decoder its
// compress parameter asks for.
func DialGateway(t testing.TB, srv *server.Server, query string) *Gateway {
	t.Helper()
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	g := &Gateway{Client: Dial(t, srv, query)}
	switch q.Get("compress") {
	case "zlib-stream":
		g.Stream = NewZlibStream()
	case "zstd-stream":
		g.Stream = NewZstdStream()
	}
	if g.Stream != nil {
		t.Cleanup(g.Stream.Close)
	}
	return g
}

// Read returns the next gateway payload, or a *CloseFrame, or the error that
// broke the connection or the decoding. Pings and pongs are skipped.
func (g *Gateway) Read(d time.Duration) (Msg, error) {
	for {
		ev, err := g.Next(d)
		if err != nil {
			return Msg{}, err
		}
		var raw []byte
		switch ev.Kind {
		case ws.KindClose:
			return Msg{}, &CloseFrame{Code: ev.Code, Reason: string(ev.Payload)}
		case ws.KindPing, ws.KindPong:
			continue
		case ws.KindText:
			if g.Stream != nil {
				return Msg{}, fmt.Errorf("text frame under transport compression: %.80q", ev.Payload)
			}
			raw = ev.Payload
		case ws.KindBinary:
			switch {
			case g.Stream != nil:
				raw, err = g.Stream.Decode(ev.Payload, d)
			case g.PayloadZlib:
				raw, err = inflateWhole(ev.Payload)
			default:
				err = fmt.Errorf("binary frame of %d bytes without compression", len(ev.Payload))
			}
			if err != nil {
				return Msg{}, err
			}
		default:
			return Msg{}, fmt.Errorf("unexpected frame kind %v", ev.Kind)
		}
		m, err := ParseMsg(raw)
		m.Kind = ev.Kind
		return m, err
	}
}

// ParseMsg decodes one payload; it must be exactly one JSON object with op.
func ParseMsg(raw []byte) (Msg, error) {
	var m Msg
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil {
		return Msg{}, fmt.Errorf("payload %.120q: %w", raw, err)
	}
	if dec.More() {
		return Msg{}, fmt.Errorf("payload holds more than one JSON value: %.120q", raw)
	}
	if !bytes.Contains(raw, []byte(`"op":`)) {
		return Msg{}, fmt.Errorf("payload without op: %.120q", raw)
	}
	m.Raw = raw
	return m, nil
}

// inflateWhole decodes an Identify compress:true message: one complete zlib
// stream, checksum verified, nothing after it.
func inflateWhole(b []byte) ([]byte, error) {
	br := bytes.NewReader(b)
	r, err := zlib.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("payload zlib: %w", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("payload zlib: %w", err)
	}
	if br.Len() != 0 {
		return nil, fmt.Errorf("payload zlib: %d bytes after the stream", br.Len())
	}
	return out, nil
}

// Expect reads the next payload and fails the test unless its op is op.
func (g *Gateway) Expect(op int) Msg {
	g.T.Helper()
	m, err := g.Read(Wait)
	if err != nil {
		g.T.Fatalf("want op %d: %v", op, err)
	}
	if m.Op != op {
		g.T.Fatalf("want op %d, got %.200s", op, m.Raw)
	}
	return m
}

// ExpectDispatch reads the next payload and fails the test unless it is the
// dispatch name with sequence seq (seq 0: any).
func (g *Gateway) ExpectDispatch(name string, seq uint64) Msg {
	g.T.Helper()
	m := g.Expect(0)
	if m.Name() != name || m.S == nil || (seq != 0 && *m.S != seq) {
		g.T.Fatalf("want dispatch %s s=%d, got %.200s", name, seq, m.Raw)
	}
	return m
}

// ExpectClose reads until a close frame, failing on any payload before it,
// and returns the code and reason.
func (g *Gateway) ExpectClose() (ws.CloseCode, string) {
	g.T.Helper()
	m, err := g.Read(Wait)
	if cf, ok := err.(*CloseFrame); ok {
		return cf.Code, cf.Reason
	}
	if err != nil {
		g.T.Fatalf("want a close frame: %v", err)
	}
	g.T.Fatalf("want a close frame, got %.200s", m.Raw)
	return 0, ""
}

// Hello reads op 10 and returns heartbeat_interval.
func (g *Gateway) Hello() int {
	g.T.Helper()
	m := g.Expect(10)
	var h struct {
		HeartbeatInterval *int `json:"heartbeat_interval"`
	}
	if err := json.Unmarshal(m.D, &h); err != nil || h.HeartbeatInterval == nil {
		g.T.Fatalf("hello d: %s", m.D)
	}
	return *h.HeartbeatInterval
}

// Identify sends Identify for user (IdentifyPayload with over) and returns
// READY's session_id.
func (g *Gateway) Identify(user uint64, over map[string]any) string {
	g.T.Helper()
	g.SendText(IdentifyPayload(Token(user), over))
	m := g.ExpectDispatch("READY", 0)
	var r struct {
		SessionID string `json:"session_id"`
	}
	if err := json.Unmarshal(m.D, &r); err != nil || r.SessionID == "" {
		g.T.Fatalf("ready d: %.200s", m.D)
	}
	return r.SessionID
}

// SendClose sends a close frame with code and reason.
func (g *Gateway) SendClose(code ws.CloseCode, reason string) {
	g.T.Helper()
	p := binary.BigEndian.AppendUint16(nil, uint16(code))
	g.Send(ws.OpClose, append(p, reason...))
}

// IdentifyPayload is an op 2 payload for token: properties and intents 513
// (GUILDS | GUILD_MESSAGES), then every key of over set in d, or removed
// when its value is nil.
func IdentifyPayload(token string, over map[string]any) string {
	d := map[string]any{
		"token":      token,
		"properties": map[string]string{"os": "linux", "browser": "gatetest", "device": "gatetest"},
		"intents":    513,
	}
	for k, v := range over {
		if v == nil {
			delete(d, k)
		} else {
			d[k] = v
		}
	}
	b, _ := json.Marshal(map[string]any{"op": 2, "d": d})
	return string(b)
}

// ResumePayload is an op 6 payload.
func ResumePayload(token, sessionID string, seq uint64) string {
	b, _ := json.Marshal(map[string]any{"op": 6, "d": map[string]any{"token": token, "session_id": sessionID, "seq": seq}})
	return string(b)
}

// Eventually calls f every 10 ms until it returns nil, and fails the test
// with f's last error if total passes first. It polls instead of sleeping,
// so a slow machine makes the test slower, not flaky.
func Eventually(t testing.TB, total time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %v", total, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
