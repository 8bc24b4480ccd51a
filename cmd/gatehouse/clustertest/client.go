package clustertest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Client is one gateway user behind a load balancer, the way a real client
// library behaves: it identifies, heartbeats, and when the server sends op
// 7 or the connection drops it reconnects to its address (the load
// balancer) and tries to resume; op 9 there makes it identify afresh. Each
// READY starts a new Epoch, which records the node that answered and every
// dispatch after it. It speaks through gorilla/websocket, a client
// gatehouse did not write. Safe for concurrent use.
type Client struct {
	User    uint64
	Intents uint64
	addr    string // host:port it connects and reconnects to
	token   string

	// OnDispatch, when set before Start, sees every dispatch as it arrives
	// (on the client's reader goroutine; it must not block).
	OnDispatch func(c *Client, ev Event)
	// NoReconnect makes a dropped connection final (a user who leaves).
	NoReconnect bool
	// Discard keeps no dispatches in the epochs (benchmarks: OnDispatch
	// sees them, memory does not grow).
	Discard bool

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every change
	epochs    []*Epoch
	sessionID string
	seq       uint64
	conn      *websocket.Conn
	stopped   bool
	lastErr   error
	done      chan struct{}
	wmu       sync.Mutex // serialises writes to conn
}

// Epoch is one READY and what followed it.
type Epoch struct {
	Node      string    // READY's resume_gateway_url: the node holding the session
	SessionID string    //
	ReadyAt   time.Time // when READY arrived
	Resumes   int       // resumes refused (op 9) before this READY
	Events    []Event   // dispatches after READY, in arrival order
	Closed    time.Time // when its connection ended (zero while open)
	Why       string    // why it ended: "op 7", a close code, an error
}

// Event is one dispatch as received.
type Event struct {
	T  string
	S  uint64
	D  json.RawMessage
	At time.Time
}

// NewClient prepares a client for user with intents; token is a gateway
// token for user (auth.Signer.Mint).
func NewClient(addr, token string, user, intents uint64) *Client {
	return &Client{User: user, Intents: intents, addr: addr, token: token, changed: make(chan struct{}), done: make(chan struct{})}
}

// Start connects in the background; Wait* methods observe progress.
func (c *Client) Start() { go c.run() }

// Stop closes the connection for good (close code 1000: the session ends).
func (c *Client) Stop() {
	c.mu.Lock()
	c.stopped = true
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		c.wmu.Lock()
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, "bye"), time.Now().Add(time.Second))
		c.wmu.Unlock()
		_ = conn.Close()
	}
	<-c.done
}

// Drop closes the TCP connection without a close frame and without
// reconnecting: the user vanishes, the session stays resumable server-side.
func (c *Client) Drop() {
	c.mu.Lock()
	c.stopped = true
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		_ = conn.Close()
	}
	<-c.done
}

// Presence sends op 3 with status on the current connection.
func (c *Client) Presence(status string) error {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		return fmt.Errorf("user %d: not connected", c.User)
	}
	return c.write(conn, map[string]any{"op": 3, "d": map[string]any{"since": nil, "activities": []any{}, "status": status, "afk": false}})
}

// Epochs returns a copy of the epochs so far (events copied too).
func (c *Client) Epochs() []Epoch {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Epoch, len(c.epochs))
	for i, e := range c.epochs {
		out[i] = *e
		out[i].Events = append([]Event(nil), e.Events...)
	}
	return out
}

// Current is the latest epoch (zero Epoch before the first READY).
func (c *Client) Current() Epoch {
	es := c.Epochs()
	if len(es) == 0 {
		return Epoch{}
	}
	return es[len(es)-1]
}

// Err is the last connection error seen (for failure messages).
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

// WaitFor blocks until cond holds over the epochs or d passes; it returns
// an error naming what it waited for.
func (c *Client) WaitFor(d time.Duration, what string, cond func([]*Epoch) bool) error {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		ok := cond(c.epochs)
		ch := c.changed
		c.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			return fmt.Errorf("user %d: no %s within %v (epochs %d, last error %v)", c.User, what, d, len(c.Epochs()), c.Err())
		}
	}
}

// WaitReady waits for the n-th READY (1 = the first).
func (c *Client) WaitReady(n int, d time.Duration) (Epoch, error) {
	err := c.WaitFor(d, fmt.Sprintf("READY #%d", n), func(es []*Epoch) bool { return len(es) >= n })
	if err != nil {
		return Epoch{}, err
	}
	return c.Epochs()[n-1], nil
}

// WaitEvent waits until the current epoch holds a dispatch matching f and
// returns it.
func (c *Client) WaitEvent(d time.Duration, what string, f func(Event) bool) (Event, error) {
	var got Event
	err := c.WaitFor(d, what, func(es []*Epoch) bool {
		for _, e := range es {
			for _, ev := range e.Events {
				if f(ev) {
					got = ev
					return true
				}
			}
		}
		return false
	})
	return got, err
}

// notify wakes waiters. c.mu held.
func (c *Client) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// envelope is a gateway payload.
type envelope struct {
	Op int             `json:"op"`
	T  *string         `json:"t"`
	S  *uint64         `json:"s"`
	D  json.RawMessage `json:"d"`
}

func (c *Client) run() {
	defer close(c.done)
	backoff := 50 * time.Millisecond
	for {
		c.mu.Lock()
		stop := c.stopped
		c.mu.Unlock()
		if stop {
			return
		}
		why, err := c.session()
		c.mu.Lock()
		if n := len(c.epochs); n > 0 && c.epochs[n-1].Closed.IsZero() {
			c.epochs[n-1].Closed, c.epochs[n-1].Why = time.Now(), why
		}
		if err != nil {
			c.lastErr = err
		}
		stop = c.stopped || c.NoReconnect
		c.notify()
		c.mu.Unlock()
		if stop {
			return
		}
		if why == "op 7" {
			backoff = 50 * time.Millisecond
			continue
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, time.Second)
	}
}

// session runs one connection: hello, resume or identify, then dispatches
// until it ends. It returns why it ended.
func (c *Client) session() (string, error) {
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.Dial("ws://"+c.addr+"/?v=10&encoding=json", nil)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return "dial", err
	}
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		_ = conn.Close()
		return "stopped", nil
	}
	c.conn = conn
	sid, seq := c.sessionID, c.seq
	c.mu.Unlock()
	defer func() {
		_ = conn.Close()
		c.mu.Lock()
		c.conn = nil
		c.mu.Unlock()
	}()
	var hello struct {
		HeartbeatInterval int `json:"heartbeat_interval"`
	}
	env, err := readEnvelope(conn)
	if err != nil || env.Op != 10 || json.Unmarshal(env.D, &hello) != nil || hello.HeartbeatInterval <= 0 {
		return "hello", fmt.Errorf("hello: %v %s", err, env.D)
	}
	hbStop := make(chan struct{})
	defer close(hbStop)
	go c.heartbeat(conn, time.Duration(hello.HeartbeatInterval)*time.Millisecond, hbStop)

	refused := 0
	if sid != "" {
		if err := c.write(conn, map[string]any{"op": 6, "d": map[string]any{"token": c.token, "session_id": sid, "seq": seq}}); err != nil {
			return "write", err
		}
	} else if err := c.identify(conn); err != nil {
		return "write", err
	}
	for {
		env, err := readEnvelope(conn)
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return fmt.Sprintf("close %d", ce.Code), nil
			}
			return "read", err
		}
		switch env.Op {
		case 0:
			c.dispatch(env, refused)
		case 1:
			c.mu.Lock()
			s := c.seq
			c.mu.Unlock()
			_ = c.write(conn, map[string]any{"op": 1, "d": s})
		case 7:
			return "op 7", nil
		case 9:
			// Invalid session: this node does not hold it. Identify here.
			refused++
			c.mu.Lock()
			c.sessionID, c.seq = "", 0
			c.mu.Unlock()
			if err := c.identify(conn); err != nil {
				return "write", err
			}
		}
	}
}

// dispatch records op 0: READY starts an epoch; RESUMED continues the last.
func (c *Client) dispatch(env envelope, refused int) {
	ev := Event{At: time.Now(), D: env.D}
	if env.T != nil {
		ev.T = *env.T
	}
	if env.S != nil {
		ev.S = *env.S
	}
	c.mu.Lock()
	c.seq = ev.S
	switch ev.T {
	case "READY":
		var r struct {
			SessionID        string `json:"session_id"`
			ResumeGatewayURL string `json:"resume_gateway_url"`
		}
		_ = json.Unmarshal(env.D, &r)
		c.sessionID = r.SessionID
		c.epochs = append(c.epochs, &Epoch{Node: r.ResumeGatewayURL, SessionID: r.SessionID, ReadyAt: ev.At, Resumes: refused})
	default:
		if n := len(c.epochs); n > 0 {
			e := c.epochs[n-1]
			e.Closed, e.Why = time.Time{}, "" // a RESUMED epoch is open again
			if !c.Discard || ev.T == "GUILD_CREATE" {
				e.Events = append(e.Events, ev)
			}
		}
	}
	c.notify()
	hook := c.OnDispatch
	c.mu.Unlock()
	if hook != nil {
		hook(c, ev)
	}
}

func (c *Client) identify(conn *websocket.Conn) error {
	return c.write(conn, map[string]any{"op": 2, "d": map[string]any{
		"token": c.token, "intents": c.Intents,
		"properties": map[string]string{"os": "linux", "browser": "clustertest", "device": "clustertest"},
	}})
}

func (c *Client) heartbeat(conn *websocket.Conn, every time.Duration, stop chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			c.mu.Lock()
			s := c.seq
			c.mu.Unlock()
			if c.write(conn, map[string]any{"op": 1, "d": s}) != nil {
				return
			}
		case <-stop:
			return
		}
	}
}

func (c *Client) write(conn *websocket.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return conn.WriteMessage(websocket.TextMessage, b)
}

func readEnvelope(conn *websocket.Conn) (envelope, error) {
	_, b, err := conn.ReadMessage()
	if err != nil {
		return envelope{}, err
	}
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return envelope{}, fmt.Errorf("payload %.100q: %w", b, err)
	}
	return env, nil
}
