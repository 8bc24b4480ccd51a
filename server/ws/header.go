package ws

import "bytes"

var crlf = []byte("\r\n")

// headerScan walks the header lines of an upgrade request, rejecting what
// HTTP/1.1 forbids (obsolete line folding, whitespace before the colon,
// control characters, a body) and remembering what the handshake needs.
type headerScan struct {
	version     []byte
	upgradeWS   bool
	connUpgrade bool
}

func (h *headerScan) scan(block []byte, req *UpgradeRequest) error {
	for len(block) > 0 {
		eol := bytes.Index(block, crlf)
		line := block[:eol]
		block = block[eol+2:]
		name, value, ok := splitHeader(line)
		if !ok {
			return ErrBadHeader
		}
		if err := h.field(name, value, req); err != nil {
			return err
		}
	}
	return nil
}

// field records one header. Headers the handshake depends on must appear
// once; list-valued ones (Upgrade, Connection) may repeat.
func (h *headerScan) field(name, value []byte, req *UpgradeRequest) error {
	switch {
	case equalFoldASCII(name, "Host"):
		return once(&req.Host, value, ErrDuplicateHeader)
	case equalFoldASCII(name, "Upgrade"):
		h.upgradeWS = h.upgradeWS || hasToken(value, "websocket")
	case equalFoldASCII(name, "Connection"):
		h.connUpgrade = h.connUpgrade || hasToken(value, "upgrade")
	case equalFoldASCII(name, "Sec-WebSocket-Key"):
		return once(&req.Key, value, ErrDuplicateHeader)
	case equalFoldASCII(name, "Sec-WebSocket-Version"):
		return once(&h.version, value, ErrDuplicateHeader)
	case equalFoldASCII(name, "Origin"):
		return once(&req.Origin, value, ErrDuplicateHeader)
	case equalFoldASCII(name, "Sec-WebSocket-Protocol"):
		if req.Protocol == nil {
			req.Protocol = value
		}
	case equalFoldASCII(name, "User-Agent"):
		if req.UserAgent == nil {
			req.UserAgent = value
		}
	case equalFoldASCII(name, "Content-Length"):
		if string(value) != "0" {
			return ErrBody
		}
	case equalFoldASCII(name, "Transfer-Encoding"):
		return ErrBody
	}
	return nil
}

// once stores v in *dst unless a value is already there. A present header
// with an empty value is stored as a non-nil empty slice.
func once(dst *[]byte, v []byte, dup error) error {
	if *dst != nil {
		return dup
	}
	if v == nil {
		v = []byte{}
	}
	*dst = v
	return nil
}

// splitHeader splits "Name: value" and checks both parts: the name is a
// non-empty token directly followed by ':', the value holds no control byte
// but HTAB (so a bare CR or LF inside a line is refused), and optional
// whitespace around the value is dropped. A line starting with whitespace
// (obsolete folding) has no valid name and is refused too.
func splitHeader(line []byte) (name, value []byte, ok bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return nil, nil, false
	}
	name = line[:colon]
	for _, c := range name {
		if !isToken(c) {
			return nil, nil, false
		}
	}
	value = line[colon+1:]
	for _, c := range value {
		if (c < ' ' && c != '\t') || c == 0x7F {
			return nil, nil, false
		}
	}
	return name, trimOWS(value), true
}

// hasToken reports whether the comma-separated list v holds token t (ASCII
// case-insensitive), as Connection and Upgrade values require.
func hasToken(v []byte, t string) bool {
	for len(v) > 0 {
		var item []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			item, v = v[:i], v[i+1:]
		} else {
			item, v = v, nil
		}
		if equalFoldASCII(trimOWS(item), t) {
			return true
		}
	}
	return false
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFoldASCII compares ASCII case-insensitively. bytes.EqualFold would also
// fold Unicode (the Kelvin sign matches 'k'), which header names must not do.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || ('a' <= lower(c) && lower(c) <= 'f') }

// isToken reports whether c is an RFC 9110 tchar.
func isToken(c byte) bool {
	return c < 0x80 && tokenTable[c]
}

var tokenTable = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
