package clustertest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/template"
	"time"
)

// HAProxyTemplate is the load balancer configuration the tests and the
// cluster benchmark run, and the template docs/deploy.md shows. WebSocket
// traffic is balanced round robin over the nodes' gateway ports; each node
// is checked on /readyz of its REST port, so a draining node (or one that
// lost NATS) stops getting new clients. A node that refuses the upgrade
// with 503 (it is draining and the check has not noticed yet) or that
// cannot be reached is retried on another node (retry-on, redispatch):
// clients do not see it.
const HAProxyTemplate = `global
    maxconn {{.MaxConn}}

defaults
    mode http
    timeout connect 2s
    timeout client  1h
    timeout server  1h
    timeout tunnel  1h
    timeout http-request 10s
    option redispatch 1
    retries 3
    retry-on conn-failure empty-response response-timeout 503

frontend gateway
    bind {{.Bind}}
    default_backend gatehouse

backend gatehouse
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter {{.Inter}} fastinter {{.Inter}} downinter {{.Inter}} fall 2 rise 2
{{- range .Servers}}
    server {{.Name}} {{.WS}} check port {{.HTTPPort}}
{{- end}}
`

// Backend is one node as haproxy sees it.
type Backend struct {
	Name     string
	WS       string // host:port of the gateway
	HTTPPort int    // port of its REST listener (health checks)
}

// HAProxyParams fill HAProxyTemplate.
type HAProxyParams struct {
	Bind    string // frontend host:port
	Inter   string // health check interval, e.g. "250ms"
	MaxConn int
	Servers []Backend
}

// HAProxy is a running haproxy.
type HAProxy struct {
	Addr   string // frontend host:port
	Config string // path of the generated configuration
	cmd    *exec.Cmd
	done   chan struct{}
	log    string
}

// HAProxyAvailable reports the haproxy binary's path, or an error saying how
// to install it.
func HAProxyAvailable() (string, error) {
	p, err := exec.LookPath("haproxy")
	if err != nil {
		return "", fmt.Errorf("haproxy is not installed (make deps installs it: apt-get install -y haproxy)")
	}
	return p, nil
}

// BackendOf describes a node for haproxy.
func BackendOf(n *Node) Backend {
	_, p, _ := net.SplitHostPort(n.HTTPAddr)
	port, _ := strconv.Atoi(p)
	return Backend{Name: n.Name, WS: n.WSAddr, HTTPPort: port}
}

// StartHAProxy writes the configuration into dir and runs haproxy in the
// foreground, returning once the frontend accepts connections.
func StartHAProxy(dir string, servers []Backend, inter time.Duration) (*HAProxy, error) {
	bin, err := HAProxyAvailable()
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	h := &HAProxy{Addr: "127.0.0.1:" + strconv.Itoa(ports[0]), Config: filepath.Join(dir, "haproxy.cfg"), log: filepath.Join(dir, "haproxy.log"), done: make(chan struct{})}
	var b strings.Builder
	tpl := template.Must(template.New("haproxy").Parse(HAProxyTemplate))
	if err := tpl.Execute(&b, HAProxyParams{Bind: h.Addr, Inter: strconv.Itoa(int(inter/time.Millisecond)) + "ms", MaxConn: maxConn(), Servers: servers}); err != nil {
		return nil, err
	}
	if err := os.WriteFile(h.Config, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	if out, err := exec.Command(bin, "-c", "-f", h.Config).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("haproxy -c: %v\n%s", err, out)
	}
	f, err := os.Create(h.log)
	if err != nil {
		return nil, err
	}
	h.cmd = exec.Command(bin, "-db", "-f", h.Config)
	h.cmd.Stdout, h.cmd.Stderr = f, f
	if err := h.cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	go func() { _ = h.cmd.Wait(); f.Close(); close(h.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", h.Addr, time.Second)
		if err == nil {
			c.Close()
			return h, nil
		}
		select {
		case <-h.done:
			b, _ := os.ReadFile(h.log)
			return nil, fmt.Errorf("haproxy exited: %s", b)
		default:
		}
		if time.Now().After(deadline) {
			h.Stop()
			return nil, fmt.Errorf("haproxy not listening on %s: %v", h.Addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// maxConn is what haproxy can hold under this process's open-file limit:
// two descriptors per proxied connection, plus some for itself.
func maxConn() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 1000 {
		return 400
	}
	return int(min(lim.Cur, 1<<20)-200) / 2
}

// Stop ends haproxy.
func (h *HAProxy) Stop() {
	if h == nil || h.cmd == nil || h.cmd.Process == nil {
		return
	}
	_ = h.cmd.Process.Kill()
	<-h.done
}
