// Package loadgen is gatehouse's load generator: one process holds
// thousands of gateway sessions on gnet's client event loops, so each idle
// session costs a small struct (plus its decompressor) rather than a pair of
// goroutines and their buffers.
//
// Per connection it speaks the gateway protocol as a client does: HTTP
// upgrade (the 101 and its Sec-WebSocket-Accept checked), Hello, Identify
// with a token minted in-process from the shared secret, heartbeats at the
// Hello interval (first one jittered), READY validated with encoding/json,
// and continuity of s on every dispatch (a gap is an error). zlib-stream is
// decoded with compress/zlib and zstd-stream with klauspost's zstd, one
// decoder per connection fed message by message.
//
// It also speaks Centrifugo's JSON client protocol (Config.Protocol,
// centrifugo.go), so peers are measured with the same client; times tagged
// messages from send to receipt (latency.go); with Config.Resume,
// resumes sessions after op 7 or a lost connection (resume.go); and, with
// Config.Lazy, asks op 14 for a channel's member list and counts the
// GUILD_MEMBER_LIST_UPDATEs (lazy.go).
//
// Timers: gnet's ticker goroutine schedules one tick task per event loop per
// TickInterval (EventLoop.Execute); the task advances that loop's heartbeat
// wheel and, during setup, sweeps setup deadlines. Connections are touched
// only on their own loop.
//
// A process can hold at most about 19,000 sockets under a 20,000
// open-file limit; run several processes with disjoint UserBase ranges (and,
// past ~28,000 connections to one server port, several SourceAddrs) to go
// further. bench/cmd/loadgen is the command; bench/cmd/connbench drives it.
package loadgen
