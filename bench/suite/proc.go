package suite

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is one server process the suite started (gatehouse, a peer): its
// log, its CPU time and memory, and its shutdown.
type Server struct {
	Name    string
	cmd     *exec.Cmd
	dir     string // removed at Stop
	LogPath string
	// Ready holds the submatches of the ready line (see StartServer).
	Ready []string
	done  chan struct{}
}

// StartServer runs bin with args (stdout and stderr to dir/<name>.log) and
// waits until the log matches ready, which must carry what the caller needs
// (e.g. the bound addresses of a server started on port 0). dir is removed
// when the server stops.
func StartServer(ctx context.Context, name, bin string, args []string, dir string, ready *regexp.Regexp, limit time.Duration) (*Server, error) {
	s := &Server{Name: name, dir: dir, LogPath: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	logf, err := os.Create(s.LogPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	if strings.ContainsRune(bin, '/') {
		if abs, err := filepath.Abs(bin); err == nil {
			bin = abs // the process runs in dir
		}
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(limit)
	for {
		if m := ready.FindStringSubmatch(readFile(s.LogPath)); m != nil {
			s.Ready = m
			return s, nil
		}
		if s.Exited() || time.Now().After(deadline) || ctx.Err() != nil {
			s.Stop()
			return nil, fmt.Errorf("%s did not start; log tail:\n%s", name, Tail(s.LogPath, 15))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Pid is the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// clockTick is Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s.
const clockTick = 100

// CPUSeconds is the process's user + system CPU time so far, from
// /proc/<pid>/stat (10 ms resolution).
func (s *Server) CPUSeconds() (float64, error) { return ProcCPUSeconds(s.Pid()) }

// ProcCPUSeconds reads utime + stime of pid.
func ProcCPUSeconds(pid int) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields are counted from
	// the last ')'. utime and stime are fields 14 and 15.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no ')'", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	return float64(ut+st) / clockTick, nil
}

// RSS is the process's resident set size in bytes.
func (s *Server) RSS() uint64 { return VmRSS(s.Pid()) }

// VmRSS reads a process's resident set size (0 where unavailable).
func VmRSS(pid int) uint64 {
	for _, line := range strings.Split(readFile("/proc/"+strconv.Itoa(pid)+"/status"), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// Exited reports whether the process has ended.
func (s *Server) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Done is closed when the process has ended.
func (s *Server) Done() <-chan struct{} { return s.done }

// Stop sends SIGTERM, kills after 15 s, and removes the server's dir.
func (s *Server) Stop() {
	if !s.Exited() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
	_ = os.RemoveAll(s.dir)
}

// Metrics reads a Prometheus text endpoint as name → value.
func Metrics(url string) (map[string]float64, error) {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}

// Tail is the last n lines of a file, for error reports.
func Tail(p string, n int) string {
	lines := strings.Split(strings.TrimRight(readFile(p), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Crash is the start of a Go panic or fatal error in a server's log (the
// message and the first frames), or "" if there is none: the lines worth
// reporting when a server dies under load.
func Crash(p string) string {
	log := readFile(p)
	i := strings.Index(log, "\npanic: ")
	if j := strings.Index(log, "\nfatal error: "); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	if i < 0 {
		return ""
	}
	lines := strings.SplitN(log[i+1:], "\n", 24)
	return strings.Join(lines[:min(len(lines), 23)], "\n")
}
