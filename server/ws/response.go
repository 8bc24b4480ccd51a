package ws

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"strconv"
	"unicode/utf8"
)

// HTTPError is a rejected upgrade request: Status is the HTTP status to
// answer with, Message the reason written into the JSON body.
type HTTPError struct {
	Status  int
	Message string
}

func (e *HTTPError) Error() string {
	return "websocket handshake: " + strconv.Itoa(e.Status) + " " + e.Message
}

// Errors ParseUpgrade returns, shared values so they compare with ==.
var (
	ErrBadRequestLine      = &HTTPError{400, "malformed request line"}
	ErrMethod              = &HTTPError{405, "method not allowed; use GET"}
	ErrHTTPVersion         = &HTTPError{505, "HTTP/1.1 required"}
	ErrHeaderTooLarge      = &HTTPError{431, "request header too large"}
	ErrBadHeader           = &HTTPError{400, "malformed header line"}
	ErrDuplicateHeader     = &HTTPError{400, "repeated header"}
	ErrBody                = &HTTPError{400, "upgrade request must not have a body"}
	ErrNoHost              = &HTTPError{400, "missing Host header"}
	ErrNoUpgrade           = &HTTPError{400, "missing Upgrade: websocket header"}
	ErrNoConnectionUpgrade = &HTTPError{400, "missing Connection: Upgrade header"}
	ErrNoVersion           = &HTTPError{400, "missing Sec-WebSocket-Version header"}
	ErrVersion             = &HTTPError{426, "unsupported WebSocket version; use 13"}
	ErrBadKey              = &HTTPError{400, "missing or invalid Sec-WebSocket-Key header"}
)

// websocketGUID is the fixed suffix of RFC 6455 section 1.3.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// AcceptResponse appends to dst the 101 Switching Protocols response for the
// client's Sec-WebSocket-Key. It allocates nothing when dst has room.
func AcceptResponse(key, dst []byte) []byte {
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	dst = AppendAcceptKey(dst, key)
	return append(dst, "\r\n\r\n"...)
}

// AppendAcceptKey appends the Sec-WebSocket-Accept value for key:
// base64(SHA-1(key + GUID)).
func AppendAcceptKey(dst, key []byte) []byte {
	var in [24 + len(websocketGUID)]byte
	s := append(in[:0], key...)
	s = append(s, websocketGUID...)
	sum := sha1.Sum(s)
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}

// RejectResponse returns a complete HTTP/1.1 response refusing the upgrade:
// the status of err when it is an *HTTPError (else 400), Connection: close,
// and a JSON body {"message":"...","code":0}. A 426 names the supported
// version and a 405 the allowed method, as RFC 6455 and RFC 9110 ask.
func RejectResponse(err error) []byte {
	he := &HTTPError{400, "bad request"}
	if e := (*HTTPError)(nil); errors.As(err, &e) {
		he = e
	}
	body := []byte(`{"message":`)
	body = appendJSONString(body, he.Message)
	body = append(body, `,"code":0}`...)

	out := make([]byte, 0, 256+len(body))
	out = append(out, "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(he.Status), 10)
	out = append(out, ' ')
	out = append(out, statusText(he.Status)...)
	out = append(out, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(body)), 10)
	out = append(out, "\r\nConnection: close\r\n"...)
	switch he.Status {
	case 426:
		out = append(out, "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"...)
	case 405:
		out = append(out, "Allow: GET\r\n"...)
	}
	out = append(out, "\r\n"...)
	return append(out, body...)
}

func statusText(code int) string {
	switch code {
	case 400:
		return "Bad Request"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 408:
		return "Request Timeout"
	case 426:
		return "Upgrade Required"
	case 429:
		return "Too Many Requests"
	case 431:
		return "Request Header Fields Too Large"
	case 500:
		return "Internal Server Error"
	case 503:
		return "Service Unavailable"
	case 505:
		return "HTTP Version Not Supported"
	}
	return "Error"
}

// appendJSONString appends s as a JSON string literal, escaping quotes,
// backslashes and control characters and replacing invalid UTF-8.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
			i++
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			i++
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
		}
	}
	return append(dst, '"')
}
