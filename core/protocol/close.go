package protocol

import "strconv"

// CloseCode is a WebSocket close code the gateway sends. It implements error
// so session handlers can return it and the transport closes with it.
type CloseCode int

// Gateway close codes (PROTOCOL.md, "Close codes"), plus the RFC 6455 codes
// the transport uses.
const (
	CloseNormal            CloseCode = 1000
	CloseGoingAway         CloseCode = 1001
	CloseProtocolError     CloseCode = 1002
	CloseUnsupportedData   CloseCode = 1003
	CloseInvalidPayload    CloseCode = 1007
	ClosePolicyViolation   CloseCode = 1008
	CloseMessageTooBig     CloseCode = 1009
	CloseInternalError     CloseCode = 1011
	CloseUnknownError      CloseCode = 4000
	CloseUnknownOpcode     CloseCode = 4001
	CloseDecodeError       CloseCode = 4002
	CloseNotAuthenticated  CloseCode = 4003
	CloseAuthFailed        CloseCode = 4004
	CloseAlreadyAuthed     CloseCode = 4005
	CloseInvalidSeq        CloseCode = 4007
	CloseRateLimited       CloseCode = 4008
	CloseSessionTimedOut   CloseCode = 4009
	CloseInvalidShard      CloseCode = 4010
	CloseShardingRequired  CloseCode = 4011
	CloseInvalidAPIVersion CloseCode = 4012
	CloseInvalidIntents    CloseCode = 4013
	CloseDisallowedIntents CloseCode = 4014
)

// closeReasons is the one table of close reasons sent in close frames.
var closeReasons = map[CloseCode]string{
	CloseNormal:            "normal closure",
	CloseGoingAway:         "going away",
	CloseProtocolError:     "protocol error",
	CloseUnsupportedData:   "unsupported data",
	CloseInvalidPayload:    "invalid payload data",
	ClosePolicyViolation:   "policy violation",
	CloseMessageTooBig:     "message too big",
	CloseInternalError:     "internal error",
	CloseUnknownError:      "Unknown error.",
	CloseUnknownOpcode:     "Unknown opcode.",
	CloseDecodeError:       "Decode error.",
	CloseNotAuthenticated:  "Not authenticated.",
	CloseAuthFailed:        "Authentication failed.",
	CloseAlreadyAuthed:     "Already authenticated.",
	CloseInvalidSeq:        "Invalid seq.",
	CloseRateLimited:       "Rate limited.",
	CloseSessionTimedOut:   "Session timed out.",
	CloseInvalidShard:      "Invalid shard.",
	CloseShardingRequired:  "Sharding required.",
	CloseInvalidAPIVersion: "Invalid API version.",
	CloseInvalidIntents:    "Invalid intent(s).",
	CloseDisallowedIntents: "Disallowed intent(s).",
}

// Reason is the text sent with the code.
func (c CloseCode) Reason() string {
	if r, ok := closeReasons[c]; ok {
		return r
	}
	return "close " + strconv.Itoa(int(c))
}

func (c CloseCode) Error() string { return strconv.Itoa(int(c)) + " " + c.Reason() }

// EndsSession reports whether a close with this code ends the session rather
// than leaving it resumable. Codes clients must not reconnect after end it too.
func (c CloseCode) EndsSession() bool {
	switch c {
	case CloseNormal, CloseGoingAway, CloseAuthFailed, CloseInvalidShard, CloseShardingRequired,
		CloseInvalidAPIVersion, CloseInvalidIntents, CloseDisallowedIntents:
		return true
	}
	return false
}

// CloseError is a close code with a specific reason, for the paths where the
// table's reason is not enough (an ETF request, say).
type CloseError struct {
	Code CloseCode
	Msg  string
}

func (e *CloseError) Error() string { return strconv.Itoa(int(e.Code)) + " " + e.Msg }
