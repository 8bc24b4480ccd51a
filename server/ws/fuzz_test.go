package ws

import (
	"bufio"
	"bytes"
	"flag"
	"hash/fnv"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// splitRNG derives the read boundaries of a fuzz input from the input itself,
// so a failure replays exactly from the corpus file.
func splitRNG(data []byte) *mrand.Rand {
	h := fnv.New64a()
	h.Write(data)
	return mrand.New(mrand.NewPCG(h.Sum64(), uint64(len(data))))
}

// randomCuts returns up to 16 ascending cut positions in [0, n].
func randomCuts(rng *mrand.Rand, n int) []int {
	cuts := make([]int, rng.IntN(17))
	for i := range cuts {
		cuts[i] = rng.IntN(n + 1)
	}
	slices.Sort(cuts)
	return cuts
}

// frameFuzzInput packs a decoder mode byte in front of the frames: the low
// three bits pick the message cap (16 B to 2 KiB, small enough that the cap
// is reachable), bit 3 selects the client decoder.
func frameFuzzInput(mode byte, frames []byte) []byte { return append([]byte{mode}, frames...) }

func frameFuzzMode(mode byte) (max int, client bool) { return 16 << (mode & 7), mode&8 != 0 }

func frameSeeds() [][]byte {
	var seeds [][]byte
	for _, c := range splitInputs() {
		mode := byte(7) // 2 KiB cap
		if c.max == 100 || c.max == 10 {
			mode = 2 // 64 B cap
		}
		seeds = append(seeds, frameFuzzInput(mode, c.in))
	}
	seeds = append(seeds,
		frameFuzzInput(8|7, cat(sf(opText, "ab"), sf(fin|opPing, "p"), sf(fin|opCont, "c"))),
		frameFuzzInput(8|7, AppendClose(AppendFrame(nil, OpBinary, []byte("srv")), 1000, "bye")),
	)
	return seeds
}

func FuzzFrameDecoder(f *testing.F) {
	for _, s := range frameSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		max, client := frameFuzzMode(data[0])
		input := data[1:]
		ref := feed(t, input, nil, max, client)
		if ref.consumed > len(input) {
			t.Fatalf("consumed %d of %d", ref.consumed, len(input))
		}
		if ref.err != nil {
			if _, ok := ref.err.(*CloseError); !ok {
				t.Fatalf("error %T is not a *CloseError", ref.err)
			}
		}

		rng := splitRNG(data)
		cuts := randomCuts(rng, len(input))
		if got := feed(t, input, cuts, max, client); !got.equal(ref) {
			t.Fatalf("cuts %v changed the result:\n got %v\nwant %v", cuts, got, ref)
		}
		if len(input) <= 512 {
			every := make([]int, len(input))
			for i := range every {
				every[i] = i
			}
			if got := feed(t, input, every, max, client); !got.equal(ref) {
				t.Fatalf("one byte per read changed the result:\n got %v\nwant %v", got, ref)
			}
		}

		for _, ev := range ref.events {
			checkEvent(t, ev, max, client)
		}
	})
}

// checkEvent checks what a valid event promises and that it survives being
// encoded by our encoder and decoded again.
func checkEvent(t *testing.T, ev rec, max int, client bool) {
	var op Opcode
	switch ev.Kind {
	case KindText:
		op = OpText
		if !utf8.ValidString(ev.Payload) {
			t.Fatalf("text event with invalid UTF-8")
		}
	case KindBinary:
		op = OpBinary
	case KindPing:
		op = OpPing
	case KindPong:
		op = OpPong
	case KindClose:
		if ev.Code != CloseNoStatus && !ev.Code.ValidReceived() || !utf8.ValidString(ev.Payload) {
			t.Fatalf("close event %v", ev)
		}
		return
	default:
		t.Fatalf("event of kind %v", ev.Kind)
	}
	if op.IsControl() && len(ev.Payload) > MaxControlPayload || !op.IsControl() && len(ev.Payload) > max {
		t.Fatalf("%v event of %d bytes (cap %d)", ev.Kind, len(ev.Payload), max)
	}
	var frame []byte
	if client {
		frame = AppendFrame(nil, op, []byte(ev.Payload))
	} else {
		frame = AppendMaskedFrame(nil, op, []byte(ev.Payload), [4]byte{9, 8, 7, 6})
	}
	again := feed(t, frame, nil, max, client)
	if again.err != nil || len(again.events) != 1 || again.events[0] != ev {
		t.Fatalf("re-encoded %v decodes to %v", ev, again)
	}
}

// upgradeResult is ParseUpgrade's answer in comparable form.
type upgradeResult struct {
	n                                 int
	err                               error
	path, query, host, key, origin, h string
}

func parseUpgradeResult(buf []byte, lim UpgradeLimits) upgradeResult {
	n, r, err := ParseUpgrade(buf, lim)
	return upgradeResult{n, err, string(r.Path), string(r.Query), string(r.Host), string(r.Key), string(r.Origin), string(r.Header)}
}

func upgradeSeeds() []string {
	seeds := []string{goodRequest, goodRequest + "\x81\x80abcd", req("GET /?v=9 HTTP/1.1", baseHeaders...)}
	for _, h := range baseHeaders {
		name := h[:strings.IndexByte(h, ':')]
		seeds = append(seeds, req("GET / HTTP/1.1", without(name)...))
	}
	seeds = append(seeds,
		req("POST / HTTP/1.1", baseHeaders...),
		req("GET / HTTP/1.0", baseHeaders...),
		req("GET /%41?a=%zz HTTP/1.1", baseHeaders...),
		req("GET / HTTP/1.1", without("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8")...),
		req("GET / HTTP/1.1", append(baseHeaders, "X-A: b", " folded", "Content-Length: 0")...),
		req("GET / HTTP/1.1", append(baseHeaders, "Host: twice")...),
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
	)
	return seeds
}

func FuzzUpgrade(f *testing.F) {
	for _, s := range upgradeSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		for _, lim := range []UpgradeLimits{{}, {MaxHeaderBytes: 128}} {
			ref := parseUpgradeResult(data, lim)
			if !bytes.Equal(data, orig) {
				t.Fatal("ParseUpgrade wrote into its input")
			}
			checkUpgrade(t, data, lim, ref)

			// Every prefix needs more or gives exactly the full answer.
			var prefixes []int
			if len(data) <= 300 {
				for i := 0; i < len(data); i++ {
					prefixes = append(prefixes, i)
				}
			} else {
				prefixes = randomCuts(splitRNG(data), len(data))
				if ref.n > 0 {
					prefixes = append(prefixes, ref.n-1, ref.n)
					slices.Sort(prefixes)
				}
			}
			decided := false
			for _, p := range prefixes {
				got := parseUpgradeResult(data[:p], lim)
				if got.n == 0 && got.err == nil {
					if decided {
						t.Fatalf("prefix %d needs more after a shorter one was decided", p)
					}
					continue
				}
				decided = true
				if got != ref {
					t.Fatalf("prefix %d: %+v, full input: %+v", p, got, ref)
				}
			}
		}
	})
}

// checkUpgrade checks a ParseUpgrade answer on its own and against net/http,
// which we did not write: an accepted request must be one net/http reads the
// same way, and every reject response must be readable HTTP.
func checkUpgrade(t *testing.T, data []byte, lim UpgradeLimits, r upgradeResult) {
	if r.err != nil {
		he, ok := r.err.(*HTTPError)
		if !ok || r.n != 0 {
			t.Fatalf("error %T with n=%d", r.err, r.n)
		}
		checkReject(t, he, he.Status)
		return
	}
	if r.n == 0 {
		return
	}
	max := lim.MaxHeaderBytes
	if max == 0 {
		max = DefaultMaxHeaderBytes
	}
	if r.n > len(data) || r.n > max || string(data[r.n-4:r.n]) != "\r\n\r\n" {
		t.Fatalf("accepted request ends at %d of %d (cap %d)", r.n, len(data), max)
	}
	if !validKey([]byte(r.key)) || !strings.HasPrefix(r.path, "/") || r.host == "" {
		t.Fatalf("accepted %+v", r)
	}
	hr, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data[:r.n])))
	if err != nil {
		t.Fatalf("we accepted a request net/http rejects: %v\n%q", err, data[:r.n])
	}
	uri := r.path
	if rest := strings.TrimPrefix(hr.RequestURI, r.path); rest != "" {
		uri += "?" + r.query
	}
	if hr.Method != "GET" || hr.RequestURI != uri || hr.Host != r.host ||
		hr.Header.Get("Sec-WebSocket-Key") != r.key || hr.Header.Get("Origin") != r.origin ||
		hr.Header.Get("Sec-WebSocket-Version") != "13" || hr.ProtoMajor != 1 || hr.ProtoMinor != 1 {
		t.Fatalf("net/http reads it differently: %s %q host %q key %q origin %q; ours %+v",
			hr.Method, hr.RequestURI, hr.Host, hr.Header.Get("Sec-WebSocket-Key"), hr.Header.Get("Origin"), r)
	}
}

var writeSeeds = flag.Bool("ws.writeseeds", false, "rewrite testdata/fuzz seed corpora from the test tables")

// TestWriteSeedCorpus regenerates testdata/fuzz/<FuzzName>/ from the test
// tables when run with -ws.writeseeds; otherwise it checks the corpora exist.
func TestWriteSeedCorpus(t *testing.T) {
	sets := map[string][][]byte{"FuzzFrameDecoder": frameSeeds()}
	for _, s := range upgradeSeeds() {
		sets["FuzzUpgrade"] = append(sets["FuzzUpgrade"], []byte(s))
	}
	for name, seeds := range sets {
		dir := filepath.Join("testdata", "fuzz", name)
		if !*writeSeeds {
			entries, err := os.ReadDir(dir)
			if err != nil || len(entries) < len(seeds) {
				t.Errorf("%s: %d corpus files, want at least %d (run with -ws.writeseeds)", dir, len(entries), len(seeds))
			}
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, s := range seeds {
			body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(s)) + ")\n"
			if err := os.WriteFile(filepath.Join(dir, "seed-"+strconv.Itoa(i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
