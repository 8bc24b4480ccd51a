// Package streamcheck decodes compressed gateway streams message by message
// with decoders gatehouse did not write (Go's compress/zlib and
// compress/flate, klauspost's zstd), and reports the first message that does
// not come out exactly as it went in. It is shared by the tests of every
// Compressor and by the compression benchmark.
//
// A message passes only if the decoder returns all of it from that message's
// bytes alone: the decoder is never given bytes of a later message, and if it
// asks for more it gets ErrStarved. That is the contract a gateway client
// relies on: every frame must inflate on arrival.
package streamcheck
