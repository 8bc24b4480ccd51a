package corpus

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// envelope writes a dispatch with t, s and op before d, as PROTOCOL.md
// requires (one client finds them by substring search). HTML escaping is off
// because Discord does not escape <, > and & — and mentions are full of them.
func envelope(t string, seq int, d any) []byte {
	var b bytes.Buffer
	b.WriteString(`{"t":`)
	b.WriteString(strconv.Quote(t))
	b.WriteString(`,"s":`)
	b.WriteString(strconv.Itoa(seq))
	b.WriteString(`,"op":0,"d":`)
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		// Every d is built from plain structs, slices and strings; an error
		// here is a bug in this package.
		panic("corpus: " + err.Error())
	}
	b.Truncate(b.Len() - 1) // Encode's trailing newline
	b.WriteByte('}')
	return b.Bytes()
}
