package loadgen

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
)

// maxResponseHeader bounds the 101 response we wait for.
const maxResponseHeader = 8 << 10

// wsGUID is RFC 6455's fixed suffix for Sec-WebSocket-Accept.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// appendUpgrade appends the HTTP upgrade request for key.
func appendUpgrade(dst []byte, t *target, key *[16]byte) []byte {
	dst = append(dst, "GET "...)
	dst = append(dst, t.reqPath...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, t.host...)
	dst = append(dst, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "...)
	dst = base64.StdEncoding.AppendEncode(dst, key[:])
	return append(dst, "\r\n\r\n"...)
}

// parseUpgradeResponse looks for a complete 101 response at the front of
// buf. It returns the header length, or 0 and no error while the header is
// incomplete.
func parseUpgradeResponse(buf []byte, key *[16]byte) (int, error) {
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		if len(buf) > maxResponseHeader {
			return 0, errors.New("loadgen: upgrade response header too long")
		}
		return 0, nil
	}
	head := buf[:end]
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 101")) {
		return 0, errors.New("loadgen: upgrade refused: " + string(line))
	}
	want := acceptFor(key)
	ok := false
	for len(rest) > 0 {
		var h []byte
		h, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, found := bytes.Cut(h, []byte(":"))
		if found && bytes.EqualFold(bytes.TrimSpace(name), []byte("Sec-WebSocket-Accept")) {
			ok = string(bytes.TrimSpace(value)) == want
		}
	}
	if !ok {
		return 0, errors.New("loadgen: missing or wrong Sec-WebSocket-Accept")
	}
	return end + 4, nil
}

func acceptFor(key *[16]byte) string {
	h := sha1.New()
	h.Write(base64.StdEncoding.AppendEncode(nil, key[:]))
	h.Write([]byte(wsGUID))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
