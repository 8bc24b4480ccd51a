package ws

import (
	"bytes"
	"encoding/base64"
)

// DefaultMaxHeaderBytes caps the request line plus headers of an upgrade
// request when UpgradeLimits leaves it zero.
const DefaultMaxHeaderBytes = 8 << 10

// UpgradeLimits bounds the upgrade parser.
type UpgradeLimits struct {
	// MaxHeaderBytes caps the request up to and including the blank line;
	// over it the request is rejected with 431. Zero means DefaultMaxHeaderBytes.
	MaxHeaderBytes int
}

// UpgradeRequest is a valid WebSocket opening handshake. Every slice aliases
// the buffer given to ParseUpgrade and is valid until those bytes are
// discarded; copy what must be kept.
type UpgradeRequest struct {
	Path      []byte // request-target up to '?', raw (not percent-decoded)
	Query     []byte // after '?', raw; empty without one
	Host      []byte
	Key       []byte // Sec-WebSocket-Key, checked to decode to 16 bytes
	Origin    []byte // may be empty
	Protocol  []byte // Sec-WebSocket-Protocol as sent; may be empty
	UserAgent []byte // may be empty
	// Header is the header block (the lines after the request line, each
	// ending in CRLF, without the blank line), for HeaderValue.
	Header []byte
}

var crlfcrlf = []byte("\r\n\r\n")

// ParseUpgrade parses an HTTP/1.1 WebSocket upgrade request from the front of
// buf, the inbound bytes not yet consumed.
//
//   - n == 0, err == nil: the blank line ending the headers has not arrived and
//     the size cap is not reached; call again with more bytes.
//   - err == nil, n > 0: req is valid; write AcceptResponse and discard n bytes
//     (bytes after n are already WebSocket frames).
//   - err != nil: an *HTTPError; write RejectResponse(err) and close.
//
// Bytes that cannot start a request line are rejected at once, so a client
// speaking another protocol (a TLS hello, say) does not wait for a timeout.
func ParseUpgrade(buf []byte, lim UpgradeLimits) (n int, req UpgradeRequest, err error) {
	max := lim.MaxHeaderBytes
	if max <= 0 {
		max = DefaultMaxHeaderBytes
	}
	if err := checkMethodPrefix(buf); err != nil {
		return 0, UpgradeRequest{}, err
	}
	head := buf
	if len(head) > max {
		head = head[:max]
	}
	end := bytes.Index(head, crlfcrlf)
	if end < 0 {
		if len(buf) >= max {
			return 0, UpgradeRequest{}, ErrHeaderTooLarge
		}
		return 0, UpgradeRequest{}, nil
	}
	n = end + len(crlfcrlf)
	req, err = parseRequest(buf[:end+2])
	if err != nil {
		return 0, UpgradeRequest{}, err
	}
	return n, req, nil
}

// checkMethodPrefix looks only at the method, which arrives first: a byte
// that is not a token character, or a complete method other than GET, ends
// the handshake. It decides the same way whatever prefix of a request it is
// given, which keeps ParseUpgrade's result independent of read boundaries.
func checkMethodPrefix(buf []byte) error {
	for i, c := range buf {
		if c == ' ' {
			if i == 0 {
				return ErrBadRequestLine
			}
			if string(buf[:i]) != "GET" {
				return ErrMethod
			}
			return nil
		}
		if !isToken(c) {
			return ErrBadRequestLine
		}
	}
	return nil
}

// parseRequest parses the request line and the header lines of block, which
// ends with the CRLF of the last header line.
func parseRequest(block []byte) (UpgradeRequest, error) {
	var req UpgradeRequest
	eol := bytes.Index(block, crlf)
	line := block[:eol]
	// The method was checked by checkMethodPrefix: "GET ".
	rest := line[len("GET "):]
	sp := bytes.IndexByte(rest, ' ')
	if sp < 0 {
		return req, ErrBadRequestLine
	}
	target, version := rest[:sp], rest[sp+1:]
	if len(target) == 0 || target[0] != '/' {
		return req, ErrBadRequestLine
	}
	if !validTarget(target) {
		return req, ErrBadRequestLine
	}
	if string(version) != "HTTP/1.1" {
		if isHTTPVersion(version) {
			return req, ErrHTTPVersion
		}
		return req, ErrBadRequestLine
	}
	if q := bytes.IndexByte(target, '?'); q >= 0 {
		req.Path, req.Query = target[:q], target[q+1:]
	} else {
		req.Path = target
	}
	req.Header = block[eol+2:]

	var h headerScan
	if err := h.scan(req.Header, &req); err != nil {
		return UpgradeRequest{}, err
	}
	switch {
	case len(req.Host) == 0:
		return UpgradeRequest{}, ErrNoHost
	case !h.upgradeWS:
		return UpgradeRequest{}, ErrNoUpgrade
	case !h.connUpgrade:
		return UpgradeRequest{}, ErrNoConnectionUpgrade
	case h.version == nil:
		return UpgradeRequest{}, ErrNoVersion
	case string(h.version) != "13":
		return UpgradeRequest{}, ErrVersion
	case !validKey(req.Key):
		return UpgradeRequest{}, ErrBadKey
	}
	return req, nil
}

// validTarget reports whether an origin-form target holds only visible ASCII
// and well-formed percent escapes, so the path and query the caller gets
// always parse with net/url.
func validTarget(t []byte) bool {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c <= ' ' || c >= 0x7F {
			return false
		}
		if c == '%' {
			if i+2 >= len(t) || !isHex(t[i+1]) || !isHex(t[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

// isHTTPVersion reports whether v is "HTTP/d.d", a well-formed version we do
// not speak (505 rather than 400).
func isHTTPVersion(v []byte) bool {
	return len(v) == 8 && string(v[:5]) == "HTTP/" && isDigit(v[5]) && v[6] == '.' && isDigit(v[7])
}

// validKey reports whether k is base64 of exactly 16 bytes (RFC 6455 4.1).
func validKey(k []byte) bool {
	if len(k) != 24 {
		return false
	}
	var dst [18]byte
	n, err := base64.StdEncoding.Decode(dst[:], k)
	return err == nil && n == 16
}

// QueryValue returns the raw (not percent-decoded) value of the first query
// parameter called name, or nil. Enough for v, encoding and compress, whose
// values never need escaping.
func (r *UpgradeRequest) QueryValue(name string) []byte {
	q := r.Query
	for len(q) > 0 {
		var pair []byte
		if i := bytes.IndexByte(q, '&'); i >= 0 {
			pair, q = q[:i], q[i+1:]
		} else {
			pair, q = q, nil
		}
		k, v := pair, pair[len(pair):]
		if i := bytes.IndexByte(pair, '='); i >= 0 {
			k, v = pair[:i], pair[i+1:]
		}
		if string(k) == name {
			return v
		}
	}
	return nil
}

// HeaderValue returns the value, without surrounding whitespace, of the first
// header called name (ASCII case-insensitive), or nil.
func (r *UpgradeRequest) HeaderValue(name string) []byte {
	for h := r.Header; len(h) > 0; {
		eol := bytes.Index(h, crlf)
		if eol < 0 {
			return nil
		}
		k, v, ok := splitHeader(h[:eol])
		h = h[eol+2:]
		if ok && equalFoldASCII(k, name) {
			return v
		}
	}
	return nil
}
