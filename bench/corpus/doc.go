// Package corpus generates a deterministic stream of realistic Discord
// gateway dispatches, as one client connected to a busy community server
// would receive them: READY, the GUILD_CREATEs that follow it, then the
// steady traffic of messages, presences, typing, reactions and member list
// updates, with an occasional large GUILD_CREATE or member list SYNC.
//
// What makes stream compression win on real traffic is repetition across
// messages: the same users, ids, roles and channels appear again and again.
// The generator keeps a world (guilds, a pool of users with a skewed
// activity distribution, their presences, a member list) and draws every
// event from it, so the corpus repeats the way a real connection does.
//
// The same seed always yields the same bytes, so benchmark results are
// comparable across machines and commits.
package corpus
