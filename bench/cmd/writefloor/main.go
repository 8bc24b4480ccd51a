// Command writefloor measures what one broadcast costs this machine's
// kernel with nothing else in the way: N loopback TCP connections, one
// small write per connection per message from W writer threads (like W
// event loops), and a reader process that drains them with raw epoll. It
// is the floor under any gateway's fan-out latency on the machine: no
// JSON, no WebSocket framing, no sessions, no Go scheduler between the
// writes. bench-fanout's figures are read beside it.
//
//	go run ./bench/cmd/writefloor -n 19000 -rounds 20
//
// The reader is this program again (-reader), in its own process as a
// load generator is, so each side has its own 20,000-file limit.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gatehouse/bench/benchenv"
	"gatehouse/bench/suite"
)

func main() {
	n := flag.Int("n", 19000, "connections")
	rounds := flag.Int("rounds", 20, "broadcasts, one at a time")
	size := flag.Int("size", 300, "bytes per message (a small MESSAGE_CREATE frame is ~300)")
	writers := flag.Int("writers", runtime.NumCPU(), "writer threads (like event loops)")
	readers := flag.Int("readers", runtime.NumCPU(), "reader processes (like load generators), each a raw epoll loop")
	gap := flag.Duration("gap", 100*time.Millisecond, "pause between broadcasts")
	asJSON := flag.Bool("json", false, "print the result as one JSON line (for bench/suite)")
	reader := flag.Bool("reader", false, "internal: run as the reading process")
	addr := flag.String("addr", "", "internal: address the reader connects to")
	flag.Parse()
	var err error
	if *reader {
		err = runReader(*addr, *n, *size)
	} else {
		var res suite.Floor
		res, err = runWriter(*n, *rounds, *size, *writers, *readers, *gap)
		if err == nil {
			if *asJSON {
				b, _ := json.Marshal(res)
				fmt.Println(string(b))
			} else {
				fmt.Printf("writefloor: medians over %d broadcasts to %d connections: p50 %.1f ms, p99 %.1f ms, max %.1f ms; writer CPU %.2f µs per write (user+sys)\n",
					res.Rounds, res.N, res.P50MS, res.P99MS, res.MaxMS, res.CPUPerWriteUS)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "writefloor:", err)
		os.Exit(1)
	}
}

// runWriter accepts n connections from reader processes, then
// broadcasts.
func runWriter(n, rounds, size, writers, readers int, gap time.Duration) (suite.Floor, error) {
	res := suite.Floor{N: n, Size: size, Writers: writers, Readers: readers, Rounds: rounds}
	lfd, port, err := listen()
	if err != nil {
		return res, err
	}
	var outs []*bufio.Scanner
	for i := range readers {
		part := (i+1)*n/readers - i*n/readers
		cmd := exec.Command(os.Args[0], "-reader", "-addr", "127.0.0.1:"+strconv.Itoa(port), "-n", strconv.Itoa(part), "-size", strconv.Itoa(size))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return res, err
		}
		if err := cmd.Start(); err != nil {
			return res, err
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		outs = append(outs, sc)
	}
	fds := make([]int, 0, n)
	for len(fds) < n {
		fd, _, err := syscall.Accept(lfd)
		if err != nil {
			return res, fmt.Errorf("accept: %w", err)
		}
		_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		fds = append(fds, fd)
	}
	for _, sc := range outs {
		if !sc.Scan() || sc.Text() != "ready" {
			return res, fmt.Errorf("reader did not start: %q", sc.Text())
		}
	}
	fmt.Fprintf(os.Stderr, "writefloor: %d connections, %d-byte messages, %d writer threads, %d reader processes, %d broadcasts, %s\n", n, size, writers, readers, rounds, machine())
	var p50s, p99s, maxs []float64
	var cpuPerWrite []float64
	for r := range rounds {
		msg := make([]byte, size)
		start := time.Now()
		binary.LittleEndian.PutUint64(msg, uint64(start.UnixNano()))
		cpu0 := cpuTime()
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func(part []int) {
				defer wg.Done()
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				for _, fd := range part {
					if _, err := syscall.Write(fd, msg); err != nil {
						fmt.Fprintln(os.Stderr, "write:", err)
						return
					}
				}
			}(fds[w*n/writers : (w+1)*n/writers])
		}
		wg.Wait()
		cpu := cpuTime() - cpu0
		var lat []float64 // ms
		for _, sc := range outs {
			if !sc.Scan() {
				return res, fmt.Errorf("reader gone in round %d", r)
			}
			for _, f := range strings.Fields(sc.Text()) {
				v, _ := strconv.ParseFloat(f, 64)
				lat = append(lat, v/1e6)
			}
		}
		slices.Sort(lat)
		p50s = append(p50s, lat[len(lat)/2])
		p99s = append(p99s, lat[len(lat)*99/100])
		maxs = append(maxs, lat[len(lat)-1])
		cpuPerWrite = append(cpuPerWrite, float64(cpu.Nanoseconds())/float64(n)/1e3)
		time.Sleep(gap)
	}
	res.P50MS, res.P99MS, res.MaxMS = median(p50s), median(p99s), median(maxs)
	res.CPUPerWriteUS = median(cpuPerWrite)
	return res, nil
}

// runReader connects n sockets, then for each broadcast prints the
// receive latencies (ns) of its n messages on one line.
func runReader(addr string, n, size int) error {
	host, portS, _ := strings.Cut(addr, ":")
	port, _ := strconv.Atoi(portS)
	ip := [4]byte{}
	for i, p := range strings.Split(host, ".") {
		v, _ := strconv.Atoi(p)
		ip[i] = byte(v)
	}
	ep, err := syscall.EpollCreate1(0)
	if err != nil {
		return err
	}
	for range n {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err != nil {
			return err
		}
		if err := syscall.Connect(fd, &syscall.SockaddrInet4{Port: port, Addr: ip}); err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		if err := syscall.SetNonblock(fd, true); err != nil {
			return err
		}
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}); err != nil {
			return err
		}
	}
	fmt.Println("ready")
	runtime.LockOSThread()
	evs := make([]syscall.EpollEvent, 1024)
	buf := make([]byte, 64<<10)
	lat := make([]int64, 0, n)
	have := map[int32]int{} // bytes of the current message per fd
	for {
		k, err := syscall.EpollWait(ep, evs, -1)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		now := time.Now().UnixNano()
		for _, ev := range evs[:k] {
			m, err := syscall.Read(int(ev.Fd), buf)
			if m <= 0 || err != nil {
				continue
			}
			// Messages may split across reads; a message counts when its
			// first 8 bytes (the send time) are in.
			got := have[ev.Fd]
			for off := 0; off < m; {
				if got == 0 && m-off >= 8 {
					lat = append(lat, now-int64(binary.LittleEndian.Uint64(buf[off:])))
				}
				take := min(size-got, m-off)
				got, off = (got+take)%size, off+take
			}
			have[ev.Fd] = got
		}
		if len(lat) >= n {
			var b strings.Builder
			for _, v := range lat {
				b.WriteString(strconv.FormatInt(v, 10))
				b.WriteByte(' ')
			}
			fmt.Println(b.String())
			lat = lat[:0]
		}
	}
}

func listen() (int, int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return 0, 0, err
	}
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return 0, 0, err
	}
	if err := syscall.Listen(fd, 4096); err != nil {
		return 0, 0, err
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return 0, 0, err
	}
	return fd, sa.(*syscall.SockaddrInet4).Port, nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func machine() string {
	return fmt.Sprintf("%d cores, load %s", runtime.NumCPU(), benchenv.LoadAvg())
}
