package ws

import "sync"

// reassembly holds the completed fragments of one unfinished message. A
// Decoder points at one only while a fragmented message is in flight (and
// until the next Decode call after it completes), so idle connections hold
// nothing; the buffers themselves are pooled so fragmented traffic does not
// allocate in the steady state.
type reassembly struct {
	buf  []byte
	op   Opcode // OpText or OpBinary: the opcode of the first fragment
	done bool   // the message was returned; buf is still aliased until the next Decode
}

// maxPooledReassembly keeps one huge message (a client decoder may allow
// megabytes) from pinning a buffer of that size in the pool forever.
const maxPooledReassembly = 1 << 20

var reassemblyPool = sync.Pool{New: func() any { return new(reassembly) }}

func getReassembly(op Opcode) *reassembly {
	r := reassemblyPool.Get().(*reassembly)
	r.op = op
	r.done = false
	r.buf = r.buf[:0]
	return r
}

func putReassembly(r *reassembly) {
	if cap(r.buf) > maxPooledReassembly {
		r.buf = nil
	}
	reassemblyPool.Put(r)
}
