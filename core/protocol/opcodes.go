// Package protocol holds the Discord gateway wire contract gatehouse speaks:
// opcodes, close codes, intents, snowflakes and envelope encoding. See
// shared/PROTOCOL.md. It has no state and no goroutines.
package protocol

// Op is a gateway opcode.
type Op int

// Gateway opcodes (PROTOCOL.md, "Opcodes").
const (
	OpDispatch            Op = 0
	OpHeartbeat           Op = 1
	OpIdentify            Op = 2
	OpPresenceUpdate      Op = 3
	OpVoiceStateUpdate    Op = 4
	OpResume              Op = 6
	OpReconnect           Op = 7
	OpRequestGuildMembers Op = 8
	OpInvalidSession      Op = 9
	OpHello               Op = 10
	OpHeartbeatACK        Op = 11
	OpLazyRequest         Op = 14
)

// MaxClientPayload is the largest gateway payload a client may send; a larger
// one is closed with 4002.
const MaxClientPayload = 4096
