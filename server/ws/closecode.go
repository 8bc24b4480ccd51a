package ws

import "strconv"

// CloseCode is a WebSocket close status code (RFC 6455 section 7.4).
type CloseCode uint16

// Close codes gatehouse sends or checks. 1005, 1006 and 1015 are never sent
// on the wire; CloseNoStatus is what an Event reports for an empty close frame.
const (
	CloseNormal           CloseCode = 1000
	CloseGoingAway        CloseCode = 1001
	CloseProtocolError    CloseCode = 1002
	CloseUnsupportedData  CloseCode = 1003
	CloseNoStatus         CloseCode = 1005
	CloseAbnormal         CloseCode = 1006
	CloseInvalidPayload   CloseCode = 1007
	ClosePolicyViolation  CloseCode = 1008
	CloseMessageTooBig    CloseCode = 1009
	CloseMandatoryExt     CloseCode = 1010
	CloseInternalError    CloseCode = 1011
	CloseServiceRestart   CloseCode = 1012
	CloseTryAgainLater    CloseCode = 1013
	closeBadGateway       CloseCode = 1014
	CloseTLSHandshake     CloseCode = 1015
	closeFirstApplication CloseCode = 3000
	closeLastPrivate      CloseCode = 4999
)

// ValidReceived reports whether a peer may put c in a close frame: the RFC 6455
// codes 1000-1003 and 1007-1011, the later IANA registrations 1012-1014
// (service restart, try again later, bad gateway — discordgo closes with 1012
// when the server sends op 7), and the registered/private range 3000-4999.
// 1004-1006, 1015 and everything else are a protocol error (1002).
func (c CloseCode) ValidReceived() bool {
	switch {
	case c >= CloseNormal && c <= CloseUnsupportedData:
		return true
	case c >= CloseInvalidPayload && c <= closeBadGateway:
		return true
	case c >= closeFirstApplication && c <= closeLastPrivate:
		return true
	}
	return false
}

// sendable reports whether c may appear in a close frame we write. 1005, 1006
// and 1015 are reserved for local reporting, so a close carrying them is sent
// with an empty payload instead.
func (c CloseCode) sendable() bool {
	return c != 0 && c != CloseNoStatus && c != CloseAbnormal && c != CloseTLSHandshake
}

// CloseError is a decode failure that ends the connection: Code is the close
// code to send back (AppendClose(dst, e.Code, e.Reason)) before closing.
// Decoders return the package's shared *CloseError values, so errors.Is and
// == comparisons work and returning one does not allocate.
type CloseError struct {
	Code   CloseCode
	Reason string
}

func (e *CloseError) Error() string {
	return "websocket: " + strconv.Itoa(int(e.Code)) + " " + e.Reason
}

// Errors the frame decoders return. Reasons are short so they fit the
// 123 bytes a close frame allows.
var (
	ErrUnmasked               = &CloseError{CloseProtocolError, "client frame not masked"}
	ErrMasked                 = &CloseError{CloseProtocolError, "server frame masked"}
	ErrReservedBits           = &CloseError{CloseProtocolError, "reserved bits set"}
	ErrBadOpcode              = &CloseError{CloseProtocolError, "unknown opcode"}
	ErrFragmentedControl      = &CloseError{CloseProtocolError, "fragmented control frame"}
	ErrControlTooLong         = &CloseError{CloseProtocolError, "control frame over 125 bytes"}
	ErrUnexpectedContinuation = &CloseError{CloseProtocolError, "continuation without a message"}
	ErrExpectedContinuation   = &CloseError{CloseProtocolError, "new message inside a fragmented one"}
	ErrLengthOverflow         = &CloseError{CloseProtocolError, "64-bit length with high bit set"}
	ErrCloseLength            = &CloseError{CloseProtocolError, "close payload of 1 byte"}
	ErrCloseCode              = &CloseError{CloseProtocolError, "invalid close code"}
	ErrInvalidUTF8            = &CloseError{CloseInvalidPayload, "invalid UTF-8 in text message"}
	ErrCloseReasonUTF8        = &CloseError{CloseInvalidPayload, "invalid UTF-8 in close reason"}
	ErrMessageTooBig          = &CloseError{CloseMessageTooBig, "message too big"}
)
