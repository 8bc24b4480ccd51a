// Package session is the gateway's session state machine: the per-connection
// protocol state (Conn), the resumable session that outlives connections
// (Session), and the registry of sessions (Manager). It knows nothing of
// sockets: the transport implements Link.
//
// Lock order: Manager.mu, then Session.mu. Link methods are called with
// Session.mu held and must not block or call back into the session.
package session

import "gatehouse/core/protocol"

// Link is a session's view of one client connection. The transport
// implements it. Every method may be called from any goroutine and must not
// block.
type Link interface {
	// Send queues f for the client. It returns false when the link is gone
	// or its bounded outbound queue is full; in the latter case the link
	// closes itself (slow reader) and the transport reports it through
	// Conn.Closed.
	Send(f protocol.Frame) bool
	// Close sends a close frame with code and reason and closes the link.
	Close(code protocol.CloseCode, reason string)
	// SetPayloadCompression turns on Identify `compress: true`.
	SetPayloadCompression(on bool)
	// Exec runs fn later on the goroutine that owns the connection (its
	// event loop); a non-nil error closes the connection with it. When the
	// connection is already gone fn is dropped.
	Exec(fn func() error)
}
