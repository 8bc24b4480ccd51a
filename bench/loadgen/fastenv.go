package loadgen

import "bytes"

// parseDispatch reads a dispatch envelope in the exact layout gatehouse
// writes (core/protocol.AppendDispatch): {"t":"NAME","s":SEQ,"op":0,"d":D}.
// It returns the event name, seq and d without a JSON decoder, so that at
// a million deliveries per second the load generator's own parsing does
// not eat the cores the server is being measured on. Anything else — other
// ops, a peer's layout, escapes in the name, a missing brace — returns
// ok false and the caller decodes with sonic as before. d is not checked
// to be valid JSON here: the gateway's output is checked with decoders we
// did not write by its tests and by onReady.
func parseDispatch(b []byte) (t []byte, s uint64, d []byte, ok bool) {
	const head, mid = `{"t":"`, `,"op":0,"d":`
	if !bytes.HasPrefix(b, []byte(head)) || len(b) < len(head)+len(mid)+8 || b[len(b)-1] != '}' {
		return nil, 0, nil, false
	}
	rest := b[len(head):]
	q := 0
	for ; q < len(rest) && (rest[q] >= 'A' && rest[q] <= 'Z' || rest[q] >= '0' && rest[q] <= '9' || rest[q] == '_'); q++ {
	}
	if q == 0 || q == len(rest) || rest[q] != '"' {
		return nil, 0, nil, false // event names are A-Z, 0-9 and _
	}
	t, rest = rest[:q], rest[q:]
	if !bytes.HasPrefix(rest, []byte(`","s":`)) {
		return nil, 0, nil, false
	}
	rest = rest[len(`","s":`):]
	i := 0
	for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
		if i >= 19 {
			return nil, 0, nil, false // past uint64; leave it to the decoder
		}
		s = s*10 + uint64(rest[i]-'0')
	}
	if i == 0 || (i > 1 && rest[0] == '0') {
		return nil, 0, nil, false
	}
	rest = rest[i:]
	if !bytes.HasPrefix(rest, []byte(mid)) {
		return nil, 0, nil, false
	}
	d = rest[len(mid) : len(rest)-1]
	if len(d) == 0 {
		return nil, 0, nil, false
	}
	return t, s, d, true
}
