//go:build cgo

package bindings

import (
	"testing"

	"gatehouse/core/compress"
)

// BenchmarkCompactWake times what the event loop pays per message on an
// idle connection: a ~1 KB message that wakes a hibernating stream, then
// the stream's hibernation. "pooled" reuses the pool's idle context every
// time; "churn" cycles 64 streams through a pool that keeps 4 contexts, so
// 60 of every 64 wakes allocate a context and 60 hibernations free one —
// the case glibc's malloc thresholds decide (see alloc.go): run it once
// as is and once with GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432
// (contexts carved from arenas, as after glibc raised its threshold) to see
// what returning contexts to the kernel costs. "ack" is a heartbeat ACK
// sent while hibernating, which wakes nothing.
func BenchmarkCompactWake(b *testing.B) {
	jsonPool, _ := pools()
	for _, c := range compactCodecs()[1:3] { // zlib 6, zstd discord
		for _, kind := range []string{"pooled", "churn", "ack"} {
			b.Run(c.name+"/"+kind, func(b *testing.B) {
				streams := 1
				if kind == "churn" {
					streams = 64
				}
				o := compress.CompactOptions{MaxIdleContexts: 4}
				var p *CompactPool
				var err error
				if c.mode == compress.ZlibStream {
					p, err = NewCompactZlibPool(compress.DefaultZlib, o)
				} else {
					p, err = NewCompactZstdPool(compress.ZstdDiscord, o)
				}
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				ss := make([]*CompactStream, streams)
				dst := make([]byte, 0, 1<<16)
				for i := range ss {
					if ss[i], err = p.NewCompactStream(); err != nil {
						b.Fatal(err)
					}
					defer ss[i].Close()
					if _, err = ss[i].Compress(dst[:0], jsonPool[i<<15:i<<15+30_000]); err != nil {
						b.Fatal(err)
					}
					if err = ss[i].Hibernate(); err != nil {
						b.Fatal(err)
					}
				}
				i := 0
				for b.Loop() {
					s := ss[i%streams]
					off := (i * 1031) % (len(jsonPool) - 1024)
					msg := jsonPool[off : off+1024]
					if kind == "ack" {
						msg = heartbeatACK
					}
					if _, err = s.Compress(dst[:0], msg); err != nil {
						b.Fatal(err)
					}
					if kind == "ack" {
						if !s.Hibernating() {
							// The tail is full: pack it away again.
							if err = s.Hibernate(); err != nil {
								b.Fatal(err)
							}
						}
					} else if i%streams == streams-1 || streams == 1 {
						for _, s := range ss {
							if err = s.Hibernate(); err != nil {
								b.Fatal(err)
							}
						}
					}
					i++
				}
			})
		}
	}
}
