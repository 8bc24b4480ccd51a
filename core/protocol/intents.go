package protocol

// Intent bits (PROTOCOL.md, "Intents").
const (
	IntentGuilds                 uint64 = 1 << 0
	IntentGuildMembers           uint64 = 1 << 1
	IntentGuildModeration        uint64 = 1 << 2
	IntentGuildExpressions       uint64 = 1 << 3
	IntentGuildIntegrations      uint64 = 1 << 4
	IntentGuildWebhooks          uint64 = 1 << 5
	IntentGuildInvites           uint64 = 1 << 6
	IntentGuildVoiceStates       uint64 = 1 << 7
	IntentGuildPresences         uint64 = 1 << 8
	IntentGuildMessages          uint64 = 1 << 9
	IntentGuildMessageReactions  uint64 = 1 << 10
	IntentGuildMessageTyping     uint64 = 1 << 11
	IntentDirectMessages         uint64 = 1 << 12
	IntentDirectMessageReactions uint64 = 1 << 13
	IntentDirectMessageTyping    uint64 = 1 << 14
	IntentMessageContent         uint64 = 1 << 15
	IntentGuildScheduledEvents   uint64 = 1 << 16
	IntentAutoModConfiguration   uint64 = 1 << 20
	IntentAutoModExecution       uint64 = 1 << 21
	IntentGuildMessagePolls      uint64 = 1 << 24
	IntentDirectMessagePolls     uint64 = 1 << 25

	// IntentsAll is every bit a client may set (0–25).
	IntentsAll uint64 = 1<<26 - 1
	// IntentsPrivileged need a grant.
	IntentsPrivileged = IntentGuildMembers | IntentGuildPresences | IntentMessageContent
)

// CheckIntents validates requested intents against the user's grant of
// privileged intents: unknown bits → 4013, privileged bits not granted → 4014.
func CheckIntents(requested, granted uint64) error {
	if requested&^IntentsAll != 0 {
		return CloseInvalidIntents
	}
	if requested&IntentsPrivileged&^granted != 0 {
		return CloseDisallowedIntents
	}
	return nil
}
