package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestModesNameTheirStreams: every compressed mode says which streams the
// server runs with, names are unique (rows are matched by name), and only
// the modes whose connections get compact streams wait for hibernation and
// pass --compact-idle.
func TestModesNameTheirStreams(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range allModes {
		if seen[m.Name] {
			t.Fatalf("mode %s twice", m.Name)
		}
		seen[m.Name] = true
		flags := m.serverFlags(2 * time.Second)
		if m.Compress != "none" && !slices.Contains(flags, "--compression-streams") {
			t.Errorf("%s: no --compression-streams in %v", m.Name, flags)
		}
		wantCompact := strings.HasSuffix(m.Name, "-compact")
		if m.compact() != wantCompact || slices.Contains(flags, "--compact-idle") != wantCompact {
			t.Errorf("%s: compact() %v, flags %v", m.Name, m.compact(), flags)
		}
	}
	if got := strings.Split(defaultModes(), ","); len(got) != len(allModes) {
		t.Fatalf("default -modes %v lacks some of the %d modes", got, len(allModes))
	}
}

// TestStreamsText: a row names what the server said, else what it asked.
func TestStreamsText(t *testing.T) {
	if got := streamsText(memRow{Compress: "zlib-stream", Streams: "compact:zlib"}); got != "`compact:zlib`" {
		t.Fatalf("got %s", got)
	}
	if got := streamsText(memRow{Compress: "zlib-stream", ServerFlags: []string{"--compression-streams", "full"}}); !strings.Contains(got, "full") || !strings.HasPrefix(got, "?") {
		t.Fatalf("got %s", got)
	}
}
