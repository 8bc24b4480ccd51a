//go:build cgo

package main

import (
	"gatehouse/bindings"
	"gatehouse/core/compress"
)

// compactCodecs are the compact-stream rows; each is compared with the
// full Rust stream of the same parameters.
func compactCodecs() []compactCodec {
	return []compactCodec{
		{
			Name: "rust compact zlib 6", Mode: "zlib-stream", Baseline: "rust zlib 6",
			Params: zlibParams(compress.DefaultZlib) + "; raw deflate contexts pooled, idle window (32 KiB) packed with zstd level 1",
			NewPool: func() (compress.CompactPool, error) {
				return bindings.NewCompactZlibPool(compress.DefaultZlib, compress.CompactOptions{})
			},
			Checker: zlibChecker,
		},
		{
			Name: "rust compact zstd discord", Mode: "zstd-stream", Baseline: "rust zstd discord",
			Params: zstdParams(compress.ZstdDiscord) + "; gatehouse's own zstd block encoder (level 6 → 8 chain candidates, lazy 1; chain spans the 256 KiB window), contexts pooled; windowed: keeps no plaintext while idle, the window (≤ 256 KiB of the last messages) is rebuilt from the messages on waking, as the gateway does from the frames it sent",
			NewPool: func() (compress.CompactPool, error) {
				return bindings.NewCompactZstdPool(compress.ZstdDiscord, compress.CompactOptions{})
			},
			Checker:  zstdChecker,
			Windowed: true,
		},
	}
}
