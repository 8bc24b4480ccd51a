package compress

import "time"

// IdleStateLimit is the most compression state a compact stream holds while
// it hibernates: 16 KiB, handle and bookkeeping included.
const IdleStateLimit = 16 << 10

// DefaultIdleAfter is how long a connection stays idle before the gateway
// hibernates its compact stream.
const DefaultIdleAfter = 5 * time.Second

// Compact is a Compressor whose state shrinks while its connection is idle,
// without restarting the stream the client decodes: zlib-stream stays one
// zlib stream and zstd-stream one zstd frame.
//
// An active stream holds a working context borrowed from its CompactPool.
// Hibernate gives the context back and keeps at most IdleStateLimit bytes
// (the recent plaintext, packed, and a few words of bookkeeping; a windowed
// stream, see WindowedPool, keeps no plaintext); the next Compress of more
// than a small message (128 bytes) borrows a context again and primes it
// with that plaintext; a small one goes out uncompressed and the stream
// stays asleep.
//
// Concurrency: as for Compressor, a Compact belongs to its connection's
// event loop. It also shares its pool with the other streams of that loop,
// so a stream and its pool are only ever used on that loop.
type Compact interface {
	Compressor
	// Hibernate gives the working context back to the pool. Hibernating a
	// stream that is already idle, or that has sent nothing, does nothing.
	// On error the stream stays active and usable.
	Hibernate() error
	// Hibernating reports whether the stream holds no working context.
	Hibernating() bool
}

// CompactPool lends working contexts to the compact streams it makes.
//
// Concurrency: not safe for concurrent use. The gateway keeps one pool per
// format per event loop, owned and used by that loop only.
type CompactPool interface {
	// NewStream makes a compact stream that borrows from this pool.
	NewStream() (Compact, error)
	// Mode is the format of the pool's streams.
	Mode() Mode
	// StateBytes is the memory the pool holds itself: its idle contexts and
	// buffers. Contexts lent to active streams count with those streams.
	StateBytes() int
	// Close frees the pool. Its streams can then only be closed; any other
	// call returns ErrClosed. Calling Close again does nothing.
	Close() error
}

// WindowSource gives a windowed compact stream (WindowedPool), when it
// wakes, the plaintext its client has already decoded, so that the stream
// need not keep it while it hibernates. A gateway rebuilds it from the
// payloads it keeps anyway (for Resume) instead of holding a copy.
//
// Concurrency: used only by the stream's owner, during its Compress calls.
type WindowSource interface {
	// AppendWindow appends to dst the last bytes of plaintext the stream
	// has compressed, exactly as they were compressed, at most max of them
	// (fewer if the source no longer has older ones, none if it has
	// nothing), and returns the extended slice. Bytes that are not exactly
	// what the client decoded corrupt the client's stream.
	AppendWindow(dst []byte, max int) []byte
	// StateBytes is the bookkeeping the source holds for its stream (not
	// the payloads it shares with others); it counts in the stream's
	// StateBytes.
	StateBytes() int
}

// WindowedPool is implemented by a CompactPool whose streams can take their
// window from a WindowSource instead of keeping it (compact zstd-stream).
type WindowedPool interface {
	CompactPool
	// NewWindowedStream makes a stream that keeps no plaintext while it
	// hibernates (its idle state is a few words plus src's bookkeeping)
	// and asks src for its window when it wakes. The caller tells src about
	// every message after Compress has taken it, small ones included.
	NewWindowedStream(src WindowSource) (Compact, error)
}

// CompactOptions configures a CompactPool.
type CompactOptions struct {
	// MaxIdleContexts is how many working contexts the pool keeps for reuse
	// when no stream holds them; 0 takes the implementation's default.
	MaxIdleContexts int
}

// CompactFactory is implemented by a Factory that can make compact streams.
// The gateway checks for it with a type assertion and falls back to full
// streams when the factory has none.
type CompactFactory interface {
	// NewCompactZlibPool makes a pool for compact zlib-stream streams.
	NewCompactZlibPool(ZlibOptions, CompactOptions) (CompactPool, error)
	// NewCompactZstdPool makes a pool for compact zstd-stream streams.
	NewCompactZstdPool(ZstdOptions, CompactOptions) (CompactPool, error)
}
