package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Floor is bench/cmd/writefloor's result at one size: N loopback
// connections each sent one 300-byte write per broadcast by raw write(2)
// from one thread per core, drained by raw-epoll reader processes on the
// same cores. No gateway can deliver a broadcast to N sockets on this
// machine faster; fan-out latency is read beside it. writefloor -json
// prints one.
type Floor struct {
	N             int     `json:"n"`
	Size          int     `json:"size"`
	Writers       int     `json:"writers"`
	Readers       int     `json:"readers"`
	Rounds        int     `json:"rounds"`
	P50MS         float64 `json:"p50_ms"`
	P99MS         float64 `json:"p99_ms"`
	MaxMS         float64 `json:"max_ms"`
	CPUPerWriteUS float64 `json:"cpu_per_write_us"`
	Error         string  `json:"error,omitempty"`
}

// RunFloor runs the writefloor binary at n connections.
func RunFloor(ctx context.Context, bin string, n, rounds int) Floor {
	f := Floor{N: n}
	cmd := exec.CommandContext(ctx, bin, "-n", strconv.Itoa(n), "-rounds", strconv.Itoa(rounds), "-json")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		f.Error = err.Error()
		return f
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &f); err != nil {
		f.Error = fmt.Sprintf("writefloor output %q: %v", lines[len(lines)-1], err)
	}
	return f
}

// floorAt is the floor measured at n connections, if any.
func floorAt(fs []Floor, n int) *Floor {
	for i := range fs {
		if fs[i].N == n && fs[i].Error == "" {
			return &fs[i]
		}
	}
	return nil
}

// floorMarkdown is the floor table.
func floorMarkdown(fs []Floor) string {
	if len(fs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n## The machine's write floor\n\n")
	b.WriteString("`bench/cmd/writefloor` in the same run: N loopback TCP connections, one 300-byte `write(2)` per connection per broadcast from one thread per core (no JSON, no WebSocket, no sessions), read by raw-epoll reader processes on the same cores, as the loadgens do. It is what one broadcast to N sockets costs this kernel and these cores with nothing else in the way; the single phase above is read beside it.\n\n")
	b.WriteString("| connections | broadcasts | p50 | p99 | max | CPU per write(2) |\n|---:|---:|---:|---:|---:|---:|\n")
	for _, f := range fs {
		if f.Error != "" {
			fmt.Fprintf(&b, "| %s | — | | | | %s |\n", Count(float64(f.N)), OneLine(f.Error))
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %.1f ms | %.1f ms | %.1f ms | %.2f µs |\n", Count(float64(f.N)), f.Rounds, f.P50MS, f.P99MS, f.MaxMS, f.CPUPerWriteUS)
	}
	return b.String()
}
