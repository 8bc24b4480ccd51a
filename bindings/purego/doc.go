// Package purego implements the core/compress seam in pure Go over
// github.com/klauspost/compress. It is the baseline the Rust core is measured
// against and the fallback when gatehouse is built without cgo, so it must be
// byte-for-byte decodable by any standard zlib or zstd decoder.
//
// What the Go libraries cannot express, and is therefore ignored after its
// range is checked:
//
//   - zlib WindowBits and MemLevel. Go's deflate encoders (stdlib and
//     klauspost) always use a 32 KiB window and fixed-size hash tables.
//     klauspost has a custom-window writer (flate.NewWriterWindow) but it has
//     no levels, so honouring WindowBits would silently discard Level. The
//     zlib header always announces a 32 KiB window, which every inflater
//     accepts.
//   - zstd HashLog and ChainLog. klauspost's zstd encoders have table sizes
//     fixed per EncoderLevel; there is no option to size them.
//
// Level and WindowLog are honoured: the zstd level maps to the nearest
// zstd.EncoderLevel (zstd.EncoderLevelFromZstd: below 3 SpeedFastest, 3–5
// SpeedDefault, 6–9 SpeedBetterCompression, 10 and up SpeedBestCompression;
// 0 is libzstd's default, 3) and WindowLog to zstd.WithWindowSize(1<<WindowLog).
//
// StateBytes is measured, not estimated: it walks the encoder's memory (see
// deepSize), and a test holds it within 5% of the Go heap's real growth.
package purego
