package purego

import (
	"fmt"

	"gatehouse/core/compress"
)

// checkZlib enforces the ranges zlib itself accepts, so a bad configuration
// fails the same way here as in the Rust core, even for the fields Go ignores.
func checkZlib(o compress.ZlibOptions) error {
	switch {
	case o.Level < 0 || o.Level > 9:
		return fmt.Errorf("%w: zlib level %d not in 0..9", compress.ErrInvalidArgs, o.Level)
	case o.WindowBits < 9 || o.WindowBits > 15:
		return fmt.Errorf("%w: zlib windowBits %d not in 9..15", compress.ErrInvalidArgs, o.WindowBits)
	case o.MemLevel < 1 || o.MemLevel > 9:
		return fmt.Errorf("%w: zlib memLevel %d not in 1..9", compress.ErrInvalidArgs, o.MemLevel)
	}
	return nil
}

// zstd parameter bounds, from libzstd's zstd.h (64-bit). A zero field means
// "the default for the level".
const (
	zstdMinLevel   = -131072 // ZSTD_minCLevel()
	zstdMaxLevel   = 22      // ZSTD_maxCLevel()
	zstdDefault    = 3       // ZSTD_CLEVEL_DEFAULT
	zstdMinWinLog  = 10      // ZSTD_WINDOWLOG_MIN
	goMaxWinLog    = 29      // zstd.MaxWindowSize is 1<<29 in klauspost
	zstdMinHashLog = 6       // ZSTD_HASHLOG_MIN and ZSTD_CHAINLOG_MIN
	zstdMaxHashLog = 30      // ZSTD_HASHLOG_MAX, ZSTD_CHAINLOG_MAX is 30 too
)

func checkZstd(o compress.ZstdOptions) error {
	switch {
	case o.Level < zstdMinLevel || o.Level > zstdMaxLevel:
		return fmt.Errorf("%w: zstd level %d not in %d..%d", compress.ErrInvalidArgs, o.Level, zstdMinLevel, zstdMaxLevel)
	case o.WindowLog != 0 && (o.WindowLog < zstdMinWinLog || o.WindowLog > goMaxWinLog):
		return fmt.Errorf("%w: zstd windowLog %d not in %d..%d", compress.ErrInvalidArgs, o.WindowLog, zstdMinWinLog, goMaxWinLog)
	case o.HashLog != 0 && (o.HashLog < zstdMinHashLog || o.HashLog > zstdMaxHashLog):
		return fmt.Errorf("%w: zstd hashLog %d not in %d..%d", compress.ErrInvalidArgs, o.HashLog, zstdMinHashLog, zstdMaxHashLog)
	case o.ChainLog != 0 && (o.ChainLog < zstdMinHashLog || o.ChainLog > zstdMaxHashLog):
		return fmt.Errorf("%w: zstd chainLog %d not in %d..%d", compress.ErrInvalidArgs, o.ChainLog, zstdMinHashLog, zstdMaxHashLog)
	}
	return nil
}
