package protocol

import (
	"errors"
	"strconv"

	"github.com/bytedance/sonic"
)

// AppendDispatch appends an op 0 envelope. t, s and op come before d, as one
// client finds them by substring search. d must be valid JSON.
func AppendDispatch(dst []byte, t string, s uint64, d []byte) []byte {
	dst = append(dst, `{"t":"`...)
	dst = append(dst, t...)
	dst = append(dst, `","s":`...)
	dst = strconv.AppendUint(dst, s, 10)
	dst = append(dst, `,"op":0,"d":`...)
	dst = append(dst, d...)
	return append(dst, '}')
}

// AppendOp appends a non-dispatch envelope: t and s are null.
func AppendOp(dst []byte, op Op, d []byte) []byte {
	dst = append(dst, `{"t":null,"s":null,"op":`...)
	dst = strconv.AppendInt(dst, int64(op), 10)
	dst = append(dst, `,"d":`...)
	if len(d) == 0 {
		d = []byte("null")
	}
	dst = append(dst, d...)
	return append(dst, '}')
}

// Inbound is a client payload: the opcode and the raw d.
type Inbound struct {
	Op Op
	D  []byte // raw JSON of d; aliases the input
}

type inboundWire struct {
	Op *int                   `json:"op"`
	D  sonic.NoCopyRawMessage `json:"d"`
}

// ErrDecode is any payload that is not a JSON object with an integer op.
var ErrDecode = errors.New("protocol: decode error")

// DecodeInbound parses a client payload. The result aliases b.
func DecodeInbound(b []byte) (Inbound, error) {
	var w inboundWire
	if err := sonic.ConfigStd.Unmarshal(b, &w); err != nil || w.Op == nil {
		return Inbound{}, ErrDecode
	}
	return Inbound{Op: Op(*w.Op), D: w.D}, nil
}

// Marshal encodes v with the gateway's JSON settings.
func Marshal(v any) ([]byte, error) { return sonic.ConfigStd.Marshal(v) }

// Unmarshal decodes b into v with the gateway's JSON settings.
func Unmarshal(b []byte, v any) error { return sonic.ConfigStd.Unmarshal(b, v) }
