package ws

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

const rfcKey = "dGhlIHNhbXBsZSBub25jZQ=="

// goodRequest is what discordgo (gorilla) sends, give or take the order.
const goodRequest = "GET /?v=10&encoding=json&compress=zlib-stream HTTP/1.1\r\n" +
	"Host: gateway.example:8080\r\n" +
	"User-Agent: DiscordBot (https://github.com/bwmarrin/discordgo, v0.29.0)\r\n" +
	"Connection: Upgrade\r\n" +
	"Upgrade: websocket\r\n" +
	"Sec-WebSocket-Version: 13\r\n" +
	"Sec-WebSocket-Key: " + rfcKey + "\r\n" +
	"Origin: http://gateway.example\r\n" +
	"\r\n"

// req builds a request from a request line and header lines.
func req(line string, headers ...string) string {
	return line + "\r\n" + strings.Join(append(headers, ""), "\r\n") + "\r\n"
}

var baseHeaders = []string{
	"Host: h", "Upgrade: websocket", "Connection: Upgrade",
	"Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: " + rfcKey,
}

// without returns baseHeaders minus the one whose name starts with prefix,
// plus extra.
func without(prefix string, extra ...string) []string {
	var out []string
	for _, h := range baseHeaders {
		if !strings.HasPrefix(h, prefix) {
			out = append(out, h)
		}
	}
	return append(out, extra...)
}

func TestParseUpgradeGood(t *testing.T) {
	in := []byte(goodRequest + "\x81\x85rest-of-a-frame")
	n, r, err := ParseUpgrade(in, UpgradeLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(goodRequest) {
		t.Fatalf("consumed %d, want %d (frame bytes after the request must stay)", n, len(goodRequest))
	}
	checks := map[string][2]string{
		"Path":      {string(r.Path), "/"},
		"Query":     {string(r.Query), "v=10&encoding=json&compress=zlib-stream"},
		"Host":      {string(r.Host), "gateway.example:8080"},
		"Key":       {string(r.Key), rfcKey},
		"Origin":    {string(r.Origin), "http://gateway.example"},
		"UserAgent": {string(r.UserAgent), "DiscordBot (https://github.com/bwmarrin/discordgo, v0.29.0)"},
		"v":         {string(r.QueryValue("v")), "10"},
		"encoding":  {string(r.QueryValue("encoding")), "json"},
		"compress":  {string(r.QueryValue("compress")), "zlib-stream"},
		"missing":   {string(r.QueryValue("nope")), ""},
		"header":    {string(r.HeaderValue("sec-websocket-VERSION")), "13"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if r.QueryValue("nope") != nil || r.HeaderValue("X-Nope") != nil {
		t.Error("absent query parameter or header is not nil")
	}
}

func TestParseUpgradeVariants(t *testing.T) {
	good := []string{
		req("GET /api/v10/gateway HTTP/1.1", baseHeaders...),
		req("GET / HTTP/1.1", "hOsT:h", "UPGRADE: WebSocket", "connection: keep-alive, upgrade", "sec-websocket-version:   13  ", "SEC-WEBSOCKET-KEY:\t"+rfcKey+"\t"),
		req("GET / HTTP/1.1", without("Connection", "Connection: keep-alive", "Connection: Upgrade")...),
		req("GET / HTTP/1.1", without("Upgrade", "Upgrade: h2c, websocket")...),
		req("GET / HTTP/1.1", append(baseHeaders, "Content-Length: 0", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits", "X-Empty:")...),
		req("GET /?v=9 HTTP/1.1", append(baseHeaders, "Sec-WebSocket-Protocol: chat, superchat")...),
	}
	for i, s := range good {
		n, _, err := ParseUpgrade([]byte(s), UpgradeLimits{})
		if err != nil || n != len(s) {
			t.Errorf("good %d: n=%d err=%v\n%s", i, n, err, s)
		}
	}
}

func TestParseUpgradeRejects(t *testing.T) {
	cases := []struct {
		name string
		in   string
		err  *HTTPError
	}{
		{"POST", req("POST / HTTP/1.1", baseHeaders...), ErrMethod},
		{"lowercase get", req("get / HTTP/1.1", baseHeaders...), ErrMethod},
		{"HTTP/1.0", req("GET / HTTP/1.0", baseHeaders...), ErrHTTPVersion},
		{"HTTP/2.0", req("GET / HTTP/2.0", baseHeaders...), ErrHTTPVersion},
		{"garbage version", req("GET / HTTX/1.1", baseHeaders...), ErrBadRequestLine},
		{"no version", req("GET /", baseHeaders...), ErrBadRequestLine},
		{"double space", req("GET  / HTTP/1.1", baseHeaders...), ErrBadRequestLine},
		{"absolute form", req("GET http://h/ HTTP/1.1", baseHeaders...), ErrBadRequestLine},
		{"asterisk", req("GET * HTTP/1.1", baseHeaders...), ErrBadRequestLine},
		{"leading space", req(" GET / HTTP/1.1", baseHeaders...), ErrBadRequestLine},
		{"tls hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", ErrBadRequestLine},
		{"bad escape", req("GET /%zz HTTP/1.1", baseHeaders...), ErrBadRequestLine},
		{"non-ascii target", req("GET /é HTTP/1.1", baseHeaders...), ErrBadRequestLine},
		{"no host", req("GET / HTTP/1.1", without("Host")...), ErrNoHost},
		{"empty host", req("GET / HTTP/1.1", without("Host", "Host: ")...), ErrNoHost},
		{"two hosts", req("GET / HTTP/1.1", append(baseHeaders, "Host: other")...), ErrDuplicateHeader},
		{"no upgrade", req("GET / HTTP/1.1", without("Upgrade")...), ErrNoUpgrade},
		{"upgrade h2c", req("GET / HTTP/1.1", without("Upgrade", "Upgrade: h2c")...), ErrNoUpgrade},
		{"upgrade substring", req("GET / HTTP/1.1", without("Upgrade", "Upgrade: websockets")...), ErrNoUpgrade},
		{"no connection", req("GET / HTTP/1.1", without("Connection")...), ErrNoConnectionUpgrade},
		{"connection keep-alive", req("GET / HTTP/1.1", without("Connection", "Connection: keep-alive")...), ErrNoConnectionUpgrade},
		{"no version", req("GET / HTTP/1.1", without("Sec-WebSocket-Version")...), ErrNoVersion},
		{"version 8", req("GET / HTTP/1.1", without("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8")...), ErrVersion},
		{"version list", req("GET / HTTP/1.1", without("Sec-WebSocket-Version", "Sec-WebSocket-Version: 13, 8")...), ErrVersion},
		{"two versions", req("GET / HTTP/1.1", append(baseHeaders, "Sec-WebSocket-Version: 13")...), ErrDuplicateHeader},
		{"no key", req("GET / HTTP/1.1", without("Sec-WebSocket-Key")...), ErrBadKey},
		{"short key", req("GET / HTTP/1.1", without("Sec-WebSocket-Key", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA")...), ErrBadKey},
		{"key of 17 bytes", req("GET / HTTP/1.1", without("Sec-WebSocket-Key", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAA=")...), ErrBadKey},
		{"key not base64", req("GET / HTTP/1.1", without("Sec-WebSocket-Key", "Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==")...), ErrBadKey},
		{"two keys", req("GET / HTTP/1.1", append(baseHeaders, "Sec-WebSocket-Key: "+rfcKey)...), ErrDuplicateHeader},
		{"space before colon", req("GET / HTTP/1.1", append(baseHeaders, "X-A : b")...), ErrBadHeader},
		{"no colon", req("GET / HTTP/1.1", append(baseHeaders, "X-A b")...), ErrBadHeader},
		{"obs-fold", req("GET / HTTP/1.1", append(baseHeaders, "X-A: b", " continued")...), ErrBadHeader},
		{"bare LF in header", req("GET / HTTP/1.1", append(baseHeaders, "X-A: b\nX-B: c")...), ErrBadHeader},
		{"bare CR in header", req("GET / HTTP/1.1", append(baseHeaders, "X-A: b\rc")...), ErrBadHeader},
		{"NUL in value", req("GET / HTTP/1.1", append(baseHeaders, "X-A: \x00")...), ErrBadHeader},
		{"body", req("GET / HTTP/1.1", append(baseHeaders, "Content-Length: 5")...), ErrBody},
		{"chunked", req("GET / HTTP/1.1", append(baseHeaders, "Transfer-Encoding: chunked")...), ErrBody},
		{"too large", req("GET / HTTP/1.1", append(baseHeaders, "X-Big: "+strings.Repeat("a", 9000))...), ErrHeaderTooLarge},
		{"too large unterminated", "GET / HTTP/1.1\r\nX-Big: " + strings.Repeat("a", 9000), ErrHeaderTooLarge},
	}
	for _, c := range cases {
		n, _, err := ParseUpgrade([]byte(c.in), UpgradeLimits{})
		if err != c.err || n != 0 {
			t.Errorf("%s: n=%d err=%v, want %v", c.name, n, err, c.err)
		}
	}
}

func TestParseUpgradeCap(t *testing.T) {
	s := []byte(goodRequest)
	lim := UpgradeLimits{MaxHeaderBytes: len(s)}
	if n, _, err := ParseUpgrade(s, lim); err != nil || n != len(s) {
		t.Fatalf("request of exactly the cap: n=%d err=%v", n, err)
	}
	lim.MaxHeaderBytes--
	if _, _, err := ParseUpgrade(s, lim); err != ErrHeaderTooLarge {
		t.Fatalf("one byte over the cap: %v", err)
	}
	// An unterminated request below the cap waits; at the cap it is refused.
	part := s[:len(s)-1]
	if n, _, err := ParseUpgrade(part, UpgradeLimits{MaxHeaderBytes: len(s)}); n != 0 || err != nil {
		t.Fatalf("below cap: n=%d err=%v", n, err)
	}
	if _, _, err := ParseUpgrade(part, UpgradeLimits{MaxHeaderBytes: len(part)}); err != ErrHeaderTooLarge {
		t.Fatalf("at cap without end: %v", err)
	}
}

// TestParseUpgradeEveryPrefix: every strict prefix of a valid request needs
// more, and never errs.
func TestParseUpgradeEveryPrefix(t *testing.T) {
	s := []byte(goodRequest)
	for i := 0; i < len(s); i++ {
		if n, _, err := ParseUpgrade(s[:i], UpgradeLimits{}); n != 0 || err != nil {
			t.Fatalf("prefix %d (%q): n=%d err=%v", i, s[:i], n, err)
		}
	}
}

func TestAcceptResponse(t *testing.T) {
	out := AcceptResponse([]byte(rfcKey), nil)
	if len(out) != 129 {
		t.Errorf("101 response is %d bytes; doc.go promises 129", len(out))
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The example of RFC 6455 section 1.3.
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("accept = %q", got)
	}
	if resp.StatusCode != 101 || resp.Header.Get("Upgrade") != "websocket" || resp.Header.Get("Connection") != "Upgrade" {
		t.Fatalf("bad 101: %v %v", resp.Status, resp.Header)
	}
	var buf [160]byte
	if a := testing.AllocsPerRun(100, func() { AcceptResponse([]byte(rfcKey), buf[:0]) }); a != 0 {
		t.Errorf("AcceptResponse: %.1f allocs", a)
	}
}

// checkReject parses a reject response with net/http's reader.
func checkReject(t testing.TB, err error, status int) {
	t.Helper()
	raw := RejectResponse(err)
	resp, rerr := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if rerr != nil {
		t.Fatalf("%v: net/http cannot read the response: %v\n%s", err, rerr, raw)
	}
	body, rerr := io.ReadAll(resp.Body)
	if rerr != nil {
		t.Fatalf("%v: body: %v", err, rerr)
	}
	if resp.StatusCode != status {
		t.Fatalf("%v: status %d, want %d", err, resp.StatusCode, status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%v: Content-Type %q", err, ct)
	}
	if !resp.Close {
		t.Fatalf("%v: no Connection: close", err)
	}
	var msg struct {
		Message *string `json:"message"`
		Code    *int    `json:"code"`
	}
	if jerr := json.Unmarshal(body, &msg); jerr != nil || msg.Message == nil || msg.Code == nil || *msg.Code != 0 {
		t.Fatalf("%v: body %q: %v", err, body, jerr)
	}
	if he, ok := err.(*HTTPError); ok && *msg.Message != strings.ToValidUTF8(he.Message, "\uFFFD") {
		t.Fatalf("message %q, want %q", *msg.Message, he.Message)
	}
	switch status {
	case 426:
		if resp.Header.Get("Sec-WebSocket-Version") != "13" || resp.Header.Get("Upgrade") != "websocket" {
			t.Fatalf("426 without Sec-WebSocket-Version: 13 / Upgrade: %v", resp.Header)
		}
	case 405:
		if resp.Header.Get("Allow") != "GET" {
			t.Fatalf("405 without Allow: GET")
		}
	}
}

func TestRejectResponse(t *testing.T) {
	for _, e := range []*HTTPError{ErrBadRequestLine, ErrMethod, ErrHTTPVersion, ErrHeaderTooLarge, ErrBadHeader,
		ErrDuplicateHeader, ErrBody, ErrNoHost, ErrNoUpgrade, ErrNoConnectionUpgrade, ErrNoVersion, ErrVersion, ErrBadKey} {
		checkReject(t, e, e.Status)
	}
	checkReject(t, io.EOF, 400)
	checkReject(t, &HTTPError{503, "quote \" backslash \\ ctl \x01 bad \xff ünï"}, 503)
}

func TestHTTPStatuses(t *testing.T) {
	want := map[*HTTPError]int{ErrMethod: 405, ErrVersion: 426, ErrHeaderTooLarge: 431, ErrHTTPVersion: 505, ErrBadKey: 400, ErrNoUpgrade: 400}
	for e, s := range want {
		if e.Status != s {
			t.Errorf("%v: status %d, want %d", e, e.Status, s)
		}
	}
}
