package clustertest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Build compiles the gatehouse binary into dir and says how. With the Rust
// staticlib linked (bindings/link_gen.go exists: `make rustlib` ran) it is
// the normal cgo build; otherwise CGO_ENABLED=0, which uses the pure-Go
// compressor. race adds -race.
func Build(dir string, race bool) (bin, how string, err error) {
	root, err := moduleRoot()
	if err != nil {
		return "", "", err
	}
	bin = filepath.Join(dir, "gatehouse")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/gatehouse")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = os.Environ()
	how = "cgo (Rust compressor)"
	if _, err := os.Stat(filepath.Join(root, "bindings", "link_gen.go")); err != nil {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
		how = "CGO_ENABLED=0 (pure-Go compressor; run `make rustlib` for the cgo build)"
	}
	if race {
		how += " with -race"
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin, how, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the gatehouse module")
	}
	return filepath.Dir(mod), nil
}

// Node is one gatehouse process.
type Node struct {
	Name     string
	WSAddr   string // 127.0.0.1:port of the gateway
	HTTPAddr string // 127.0.0.1:port of REST, ingest, health
	Log      string // file holding its stderr

	bin  string
	args []string
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	err  error // from Wait, once done
}

// NodeConfig is what differs between nodes; Args are extra flags.
type NodeConfig struct {
	Name    string
	Dir     string // data dir and log file live here
	NATSURL string
	Secret  string // token signing secret
	Ingest  string // ingest (and admin) secret
	Args    []string
}

// NewNode picks free ports for a node; Start runs it.
func NewNode(bin string, cfg NodeConfig) (*Node, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	n := &Node{
		Name:     cfg.Name,
		WSAddr:   "127.0.0.1:" + strconv.Itoa(ports[0]),
		HTTPAddr: "127.0.0.1:" + strconv.Itoa(ports[1]),
		Log:      filepath.Join(cfg.Dir, cfg.Name+".log"),
		bin:      bin,
	}
	n.args = append([]string{"serve",
		"--ws-addr", n.WSAddr, "--http-addr", n.HTTPAddr, "--public-url", n.PublicURL(),
		"--data-dir", filepath.Join(cfg.Dir, cfg.Name), "--nats-url", cfg.NATSURL,
		"--secret", cfg.Secret, "--ingest-secret", cfg.Ingest, "--node-id", cfg.Name,
		"--log-level", "info",
	}, cfg.Args...)
	return n, nil
}

// PublicURL is the node's --public-url (READY's resume_gateway_url).
func (n *Node) PublicURL() string { return "ws://" + n.WSAddr }

// Start runs the process (appending to its log) and waits until /readyz
// answers 200.
func (n *Node) Start(wait time.Duration) error {
	f, err := os.OpenFile(n.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "==== start %s %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(n.args, " "))
	cmd := exec.Command(n.bin, n.args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return err
	}
	n.mu.Lock()
	n.cmd, n.done, n.err = cmd, make(chan struct{}), nil
	done := n.done
	n.mu.Unlock()
	go func() {
		err := cmd.Wait()
		f.Close()
		n.mu.Lock()
		n.err = err
		n.mu.Unlock()
		close(done)
	}()
	deadline := time.Now().Add(wait)
	for {
		if code, _ := n.Get("/readyz"); code == http.StatusOK {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("%s exited during start-up: %v\n%s", n.Name, n.ExitErr(), n.Tail(30))
		default:
		}
		if time.Now().After(deadline) {
			n.Stop()
			return fmt.Errorf("%s not ready within %v\n%s", n.Name, wait, n.Tail(30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Get fetches a REST path; code 0 means no answer.
func (n *Node) Get(path string) (int, []byte) {
	return httpDo("GET", "http://"+n.HTTPAddr+path, "", nil)
}

// Do sends a request with an optional bearer secret.
func (n *Node) Do(method, path, bearer string, body []byte) (int, []byte) {
	return httpDo(method, "http://"+n.HTTPAddr+path, bearer, body)
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

func httpDo(method, url, bearer string, body []byte) (int, []byte) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return 0, []byte(err.Error())
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.Bytes()
}

// Signal sends sig to the process.
func (n *Node) Signal(sig syscall.Signal) error {
	n.mu.Lock()
	cmd := n.cmd
	n.mu.Unlock()
	if cmd == nil {
		return errors.New("not started")
	}
	return cmd.Process.Signal(sig)
}

// Kill is kill -9.
func (n *Node) Kill() error { return n.Signal(syscall.SIGKILL) }

// Done is closed when the process has exited.
func (n *Node) Done() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.done
}

// Wait waits up to d for the process to exit and returns its exit code
// (-1 when killed by a signal).
func (n *Node) Wait(d time.Duration) (int, error) {
	select {
	case <-n.Done():
	case <-time.After(d):
		return 0, fmt.Errorf("%s still running after %v", n.Name, d)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cmd.ProcessState.ExitCode(), nil
}

// ExitErr is the process's exit error, once done.
func (n *Node) ExitErr() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}

// Running reports whether the process is alive.
func (n *Node) Running() bool {
	select {
	case <-n.Done():
		return false
	default:
		return n.Done() != nil
	}
}

// Stop kills the process if it still runs and waits for it.
func (n *Node) Stop() {
	if n.Done() == nil || !n.Running() {
		return
	}
	_ = n.Kill()
	<-n.Done()
}

// Tail is the last lines of the node's log.
func (n *Node) Tail(lines int) string {
	b, _ := os.ReadFile(n.Log)
	ls := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return n.Name + ":\n  " + strings.Join(ls, "\n  ")
}

// freePorts reserves n distinct loopback ports by listening on port 0,
// then releases them for the child to bind.
func freePorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			_ = l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
