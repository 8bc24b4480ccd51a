package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	"gatehouse/core/compress"
	"gatehouse/server"
)

// streamsValue is --compression-streams. It is a flag.Value so that a bad
// value is refused while parsing, from the command line and from
// GATEHOUSE_COMPRESSION_STREAMS alike.
type streamsValue struct{ full bool }

func (v *streamsValue) String() string {
	if v != nil && v.full {
		return "full"
	}
	return "compact"
}

func (v *streamsValue) Set(s string) error {
	switch s {
	case "compact":
		v.full = false
	case "full":
		v.full = true
	default:
		return fmt.Errorf("%q is neither compact nor full", s)
	}
	return nil
}

// givenBool is a bool flag that remembers whether it was given (on the
// command line or from the environment), so that a default can yield to
// another flag while an explicit choice contradicting it is refused.
type givenBool struct{ v, given bool }

func (b *givenBool) String() string {
	if b == nil {
		return "false"
	}
	return strconv.FormatBool(b.v)
}

func (b *givenBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	b.v, b.given = v, true
	return nil
}

func (b *givenBool) IsBoolFlag() bool { return true }

// compressionFlags are serve's choices of compression stream
// (docs/compression.md, "Compact streams").
type compressionFlags struct {
	streams     streamsValue
	compactZstd givenBool
	compactIdle *time.Duration
}

// addCompressionFlags registers --compression-streams, --compact-zstd and
// --compact-idle on fs.
func addCompressionFlags(fs *flag.FlagSet) *compressionFlags {
	c := &compressionFlags{}
	fs.Var(&c.streams, "compression-streams",
		"`compact` (default) or full. compact: zlib-stream connections keep at most 16 KiB of compression state while idle; "+
			"full: every zlib-stream and zstd-stream connection keeps a full library stream for its life (371 KiB zlib, 1.3 MiB zstd discord)")
	c.compactZstd.v = true
	fs.Var(&c.compactZstd, "compact-zstd",
		"give zstd-stream connections compact streams too (default true; our own zstd encoder, no plaintext kept while idle, the window "+
			"re-encoded from the frames sent): on the benchmark corpus, idle before 1 message in 20, about 3% more bytes for about 1.45x "+
			"the CPU of libzstd (bench/results/compress.md); false keeps full libzstd streams (1.3 MiB each)")
	c.compactIdle = fs.Duration("compact-idle", compress.DefaultIdleAfter,
		"a connection that sends nothing this long has its compact stream hibernated (checked every second)")
	return c
}

// check refuses settings that contradict each other or make no sense.
func (c *compressionFlags) check() error {
	if *c.compactIdle <= 0 {
		return fmt.Errorf("--compact-idle: %s is not positive", *c.compactIdle)
	}
	if c.streams.full && c.compactZstd.given && c.compactZstd.v {
		return errors.New("--compact-zstd needs --compression-streams compact (full gives every connection a full stream)")
	}
	return nil
}

// apply sets the server's compression-stream fields; check first.
func (c *compressionFlags) apply(sc *server.Config) {
	sc.FullStreams = c.streams.full
	sc.CompactZstd = c.compactZstd.v && !c.streams.full
	sc.CompactIdle = *c.compactIdle
}
