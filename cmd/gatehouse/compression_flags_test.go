package main

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"gatehouse/core/compress"
	"gatehouse/server"
)

// parseCompression parses args (and the GATEHOUSE_ environment) with the
// compression flags only, as serve does, and returns what reaches the
// server's config.
func parseCompression(t *testing.T, args ...string) (server.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := addCompressionFlags(fs)
	var sc server.Config
	if err := parseWithEnv(fs, args); err != nil {
		return sc, err
	}
	if err := c.check(); err != nil {
		return sc, err
	}
	c.apply(&sc)
	return sc, nil
}

var compressionEnv = []string{"GATEHOUSE_COMPRESSION_STREAMS", "GATEHOUSE_COMPACT_ZSTD", "GATEHOUSE_COMPACT_IDLE"}

// unsetCompressionEnv keeps the caller's environment out of a test (an
// empty variable is still a value); t.Setenv restores it afterwards.
func unsetCompressionEnv(t *testing.T) {
	for _, k := range compressionEnv {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

func TestCompressionFlags(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want server.Config
	}{
		{name: "defaults", want: server.Config{CompactZstd: true, CompactIdle: compress.DefaultIdleAfter}},
		{name: "full zstd streams", args: []string{"--compact-zstd=false"}, want: server.Config{CompactIdle: compress.DefaultIdleAfter}},
		{name: "flags", args: []string{"--compact-zstd", "--compact-idle", "2s"},
			want: server.Config{CompactZstd: true, CompactIdle: 2 * time.Second}},
		{name: "full", args: []string{"--compression-streams", "full"},
			want: server.Config{FullStreams: true, CompactIdle: compress.DefaultIdleAfter}},
		{name: "environment", env: map[string]string{"GATEHOUSE_COMPRESSION_STREAMS": "full", "GATEHOUSE_COMPACT_IDLE": "750ms"},
			want: server.Config{FullStreams: true, CompactIdle: 750 * time.Millisecond}},
		{name: "flag wins over environment", env: map[string]string{"GATEHOUSE_COMPRESSION_STREAMS": "full", "GATEHOUSE_COMPACT_ZSTD": "true"},
			args: []string{"--compression-streams", "compact"},
			want: server.Config{CompactZstd: true, CompactIdle: compress.DefaultIdleAfter}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			unsetCompressionEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			got, err := parseCompression(t, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if got.FullStreams != tc.want.FullStreams || got.CompactZstd != tc.want.CompactZstd || got.CompactIdle != tc.want.CompactIdle {
				t.Fatalf("got FullStreams=%v CompactZstd=%v CompactIdle=%s, want %v %v %s",
					got.FullStreams, got.CompactZstd, got.CompactIdle, tc.want.FullStreams, tc.want.CompactZstd, tc.want.CompactIdle)
			}
		})
	}
}

func TestCompressionFlagsRefuseBadValues(t *testing.T) {
	cases := []struct {
		name, want string
		env        map[string]string
		args       []string
	}{
		{name: "bogus streams", args: []string{"--compression-streams", "bogus"}, want: "neither compact nor full"},
		{name: "bogus streams in environment", env: map[string]string{"GATEHOUSE_COMPRESSION_STREAMS": "Full"}, want: "GATEHOUSE_COMPRESSION_STREAMS"},
		{name: "zero idle", args: []string{"--compact-idle", "0s"}, want: "not positive"},
		{name: "idle not a duration", args: []string{"--compact-idle", "5"}, want: "compact-idle"},
		{name: "compact zstd with full streams", args: []string{"--compression-streams", "full", "--compact-zstd"}, want: "needs --compression-streams compact"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			unsetCompressionEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := parseCompression(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestServeRefusesBogusStreams: serve itself registers the flag and stops
// at a bad value before it starts anything.
func TestServeRefusesBogusStreams(t *testing.T) {
	unsetCompressionEnv(t)
	err := serve([]string{"--data-dir", t.TempDir(), "--compression-streams", "bogus"})
	if err == nil || !strings.Contains(err.Error(), "compression-streams") {
		t.Fatalf("serve --compression-streams bogus: err = %v", err)
	}
}
