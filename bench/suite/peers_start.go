package suite

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gatehouse/bench/loadgen"
	"gatehouse/bench/peers/centrifugo"
)

// gobaselineReady is the plain Go peer's start-up line.
var gobaselineReady = regexp.MustCompile(`gobaseline ready addr=(\S+)`)

// StartGobaseline runs the plain Go peer (bench/peers/gobaseline) on a free
// port.
func StartGobaseline(ctx context.Context, bin, secret string) (*Target, error) {
	dir, err := os.MkdirTemp("", "gobaseline-bench-")
	if err != nil {
		return nil, err
	}
	s, err := StartServer(ctx, "gobaseline", bin, []string{"--addr", "127.0.0.1:0", "--secret", secret, "--queue", "2048"}, dir, gobaselineReady, 30*time.Second)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	base := "http://" + s.Ready[1]
	t := &Target{Server: s, Kind: "gobaseline", WSURL: "ws://" + s.Ready[1], MetricsURL: base + "/metrics",
		Protocol: "gateway", Ingest: NewIngest(base, "")}
	t.Publish = func(ctx context.Context, class, index int) error {
		return t.Ingest.PostTagged(ctx, benchAuthor, class, index)
	}
	return t, nil
}

// centrifugoReady is Centrifugo's log line once it serves.
var centrifugoReady = regexp.MustCompile(`serving websocket, api endpoints on (\S+?)"`)

// StartCentrifugo runs Centrifugo with centrifugo.Config on a free port.
func StartCentrifugo(ctx context.Context, bin string) (*Target, error) {
	dir, err := os.MkdirTemp("", "centrifugo-bench-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	const apiKey = "bench-api-key"
	cfg, err := centrifugo.Config("127.0.0.1", port, apiKey)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644); err != nil {
		return nil, err
	}
	s, err := StartServer(ctx, "centrifugo", bin, []string{"--config", filepath.Join(dir, "config.json")}, dir, centrifugoReady, 60*time.Second)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	t := &Target{Server: s, Kind: "centrifugo", WSURL: "ws://127.0.0.1:" + strconv.Itoa(port) + "/connection/websocket",
		Protocol: "centrifugo", Ingest: NewIngest(base, "")}
	t.Publish = func(ctx context.Context, class, index int) error {
		data := `{"content":"` + content + `","nonce":"` + loadgen.Tag(class, index, time.Now().UnixNano()) + `"}`
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/publish", strings.NewReader(centrifugo.PublishBody(data)))
		if err != nil {
			return err
		}
		req.Header.Set("X-API-Key", apiKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := t.Ingest.HC.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var buf [512]byte
		n, _ := resp.Body.Read(buf[:])
		if resp.StatusCode != http.StatusOK || strings.Contains(string(buf[:n]), `"error"`) {
			return fmt.Errorf("centrifugo publish: %s %s", resp.Status, strings.TrimSpace(string(buf[:n])))
		}
		return nil
	}
	return t, nil
}

// freePort asks the kernel for a free TCP port on 127.0.0.1 (a peer that
// cannot listen on port 0 and report it gets this one).
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
