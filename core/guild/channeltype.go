package guild

// Channel types gatehouse understands (Discord's numbering).
const (
	ChannelText         = 0
	ChannelVoice        = 2
	ChannelCategory     = 4
	ChannelAnnouncement = 5
	ThreadAnnouncement  = 10
	ThreadPublic        = 11
	ThreadPrivate       = 12
	ChannelStageVoice   = 13
	ChannelForum        = 15
	ChannelMedia        = 16
)

// IsThread reports a thread type. Threads take their permissions from
// their parent channel.
func IsThread(t int) bool { return t == ThreadAnnouncement || t == ThreadPublic || t == ThreadPrivate }

// IsGuildChannelType reports a non-thread guild channel type that client
// libraries accept in GUILD_CREATE's channels. disgo rejects unknown types
// (and 14, GUILD_DIRECTORY) and panics on DM types there, so ingest should
// refuse anything for which neither this nor IsThread holds.
func IsGuildChannelType(t int) bool {
	switch t {
	case ChannelText, ChannelVoice, ChannelCategory, ChannelAnnouncement,
		ChannelStageVoice, ChannelForum, ChannelMedia:
		return true
	}
	return false
}
