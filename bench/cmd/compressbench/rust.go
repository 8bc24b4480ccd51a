//go:build cgo

package main

import (
	"slices"
	"strconv"
	"time"

	"gatehouse/bindings"
	"gatehouse/core/compress"
)

// rustAvailable: this build links the Rust core.
const rustAvailable = true

// rustCodecs are the rows that run in the Rust core through cgo.
func rustCodecs() []codec {
	f := bindings.Rust()
	zstd := func(name string, o compress.ZstdOptions) codec {
		return codec{
			Name: "rust zstd " + name, Impl: "rust", Mode: "zstd-stream", Params: zstdParams(o),
			New:     func() (compress.Compressor, error) { return f.NewZstdStream(o) },
			Checker: zstdChecker, Cgo: true,
		}
	}
	zlib := func(o compress.ZlibOptions) codec {
		return codec{
			Name: "rust zlib " + strconv.Itoa(o.Level), Impl: "rust", Mode: "zlib-stream", Params: zlibParams(o),
			New:     func() (compress.Compressor, error) { return f.NewZlibStream(o) },
			Checker: zlibChecker, Cgo: true,
		}
	}
	return []codec{
		zstd("discord", compress.ZstdDiscord),
		zstd("balanced", compress.ZstdBalanced),
		zstd("lean", compress.ZstdLean),
		zlib(zlib1),
		zlib(compress.DefaultZlib),
		{
			Name: "rust payload zlib 6", Impl: "rust", Mode: "payload-zlib", Params: zlibParams(compress.DefaultZlib),
			New:     func() (compress.Compressor, error) { return f.NewPayloadZlib(compress.DefaultZlib) },
			Checker: payloadChecker, Cgo: true,
		},
	}
}

// noopNanos is the median cost of one empty cgo call (bindings.Noop),
// timed in batches so the clock's own cost does not count.
func noopNanos() float64 {
	const batch, samples = 1000, 301
	per := make([]float64, samples)
	for i := range per {
		t0 := time.Now()
		for range batch {
			bindings.Noop()
		}
		per[i] = float64(time.Since(t0).Nanoseconds()) / batch
	}
	slices.Sort(per)
	return per[samples/2]
}
