package loadgen

import (
	"strconv"
	"sync"
	"sync/atomic"
)

// ErrKind classifies what went wrong on a connection.
type ErrKind uint8

// Error kinds, each counted separately in Stats.Errors.
const (
	ErrDial           ErrKind = iota // TCP connect or gnet enroll failed
	ErrUpgrade                       // no valid 101 Switching Protocols
	ErrFrame                         // the server broke the WebSocket protocol
	ErrInflate                       // a compressed message did not decode
	ErrJSON                          // a message that is not a valid gateway envelope
	ErrReady                         // READY invalid or missing a field
	ErrOrder                         // an op out of order (no Hello first, dispatch before READY)
	ErrSeqGap                        // a dispatch whose s is not last s + 1
	ErrInvalidSession                // op 9
	ErrReconnect                     // op 7
	ErrServerClose                   // a close frame from the server
	ErrDropped                       // TCP closed without a close frame
	ErrTimeout                       // not READY within SetupTimeout
	ErrWrite                         // writing to the socket failed
	numErrKinds
)

var errKindNames = [numErrKinds]string{
	"dial", "upgrade", "frame", "inflate", "json", "ready", "order", "seq_gap",
	"invalid_session", "reconnect", "server_close", "dropped", "timeout", "write",
}

func (k ErrKind) String() string {
	if k < numErrKinds {
		return errKindNames[k]
	}
	return "kind" + strconv.Itoa(int(k))
}

// counters are the live figures. Any goroutine may update them (atomics);
// closeCodes is guarded by mu.
type counters struct {
	dialed     atomic.Int64 // dials started
	open       atomic.Int64 // TCP connections currently registered with gnet
	upgraded   atomic.Int64 // valid 101 received
	hellos     atomic.Int64
	identifies atomic.Int64
	ready      atomic.Int64
	failed     atomic.Int64 // connections that never reached READY
	messages   atomic.Int64 // every server message received
	dispatches atomic.Int64
	hbSent     atomic.Int64
	acks       atomic.Int64
	bytesIn    atomic.Int64 // WebSocket payload bytes as received (compressed)
	// Resume (Config.Resume): op 7s, DropAll closes, drops without a close
	// frame, resume dials, RESUMEDs, sessions that could not resume.
	reconnects, forcedDrops, disconnects, resumeDials, resumed, resumeFailed atomic.Int64
	resuming                                                                 atomic.Int64 // dropped, not back nor given up
	errs                                                                     [numErrKinds]atomic.Int64

	mu         sync.Mutex
	closeCodes map[int]int64
}

func (c *counters) closeCode(code int) {
	c.mu.Lock()
	if c.closeCodes == nil {
		c.closeCodes = map[int]int64{}
	}
	c.closeCodes[code]++
	c.mu.Unlock()
}

// Stats is a snapshot of a run's counters.
type Stats struct {
	Conns          int              `json:"conns"`
	Dialed         int64            `json:"dialed"`
	Open           int64            `json:"open"`
	Upgraded       int64            `json:"upgraded"`
	Hellos         int64            `json:"hellos"`
	Identifies     int64            `json:"identifies"`
	Ready          int64            `json:"ready"`
	Failed         int64            `json:"failed"`
	Messages       int64            `json:"messages"`
	Dispatches     int64            `json:"dispatches"`
	HeartbeatsSent int64            `json:"heartbeats_sent"`
	HeartbeatAcks  int64            `json:"heartbeat_acks"`
	BytesIn        int64            `json:"bytes_in"`
	Errors         map[string]int64 `json:"errors"`      // by ErrKind name, non-zero only
	CloseCodes     map[string]int64 `json:"close_codes"` // close codes the server sent
	// Tagged is deliveries of tagged messages (latency.go) per class.
	Tagged map[string]int64 `json:"tagged,omitempty"`
	// Resumed counts RESUMEDs; Resuming sessions dropped and not back yet.
	Resumed  int64 `json:"resumed,omitempty"`
	Resuming int64 `json:"resuming,omitempty"`
	// Lazy is the member list traffic, with Config.Lazy (lazy.go).
	Lazy *LazyStats `json:"lazy,omitempty"`
}

// ErrorTotal is the sum of every error kind.
func (s Stats) ErrorTotal() int64 {
	var n int64
	for _, v := range s.Errors {
		n += v
	}
	return n
}

func (c *counters) snapshot(conns int) Stats {
	s := Stats{
		Conns: conns, Dialed: c.dialed.Load(), Open: c.open.Load(), Upgraded: c.upgraded.Load(),
		Hellos: c.hellos.Load(), Identifies: c.identifies.Load(), Ready: c.ready.Load(),
		Failed: c.failed.Load(), Messages: c.messages.Load(), Dispatches: c.dispatches.Load(),
		HeartbeatsSent: c.hbSent.Load(), HeartbeatAcks: c.acks.Load(), BytesIn: c.bytesIn.Load(),
		Errors: map[string]int64{}, CloseCodes: map[string]int64{},
		Resumed: c.resumed.Load(), Resuming: c.resuming.Load(),
	}
	for k := range c.errs {
		if v := c.errs[k].Load(); v != 0 {
			s.Errors[ErrKind(k).String()] = v
		}
	}
	c.mu.Lock()
	for code, v := range c.closeCodes {
		s.CloseCodes[strconv.Itoa(code)] = v
	}
	c.mu.Unlock()
	return s
}
