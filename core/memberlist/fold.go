package memberlist

import (
	"unicode"
	"unicode/utf8"
)

// AppendSortName appends the sort name of a display name to dst: each
// rune case-folded as lower(upper(r)) (so 'ſ' and 'S' sort as 's', the
// Kelvin sign as 'k'), zero bytes dropped, and the result cut at a rune
// boundary to at most MaxNameLen bytes. Invalid UTF-8 bytes are kept as
// they are. Both implementations order the resulting bytes, so a name's
// place is decided here, once, in Go.
func AppendSortName(dst []byte, display string) []byte {
	start := len(dst)
	for i := 0; i < len(display); {
		r, size := utf8.DecodeRuneInString(display[i:])
		var enc [utf8.UTFMax]byte
		var b []byte
		switch {
		case r == utf8.RuneError && size <= 1:
			b = append(enc[:0], display[i])
		case r == 0:
			b = enc[:0]
		case r < utf8.RuneSelf:
			c := byte(r)
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(enc[:0], c)
		default:
			b = utf8.AppendRune(enc[:0], unicode.ToLower(unicode.ToUpper(r)))
		}
		if len(dst)-start+len(b) > MaxNameLen {
			break
		}
		dst = append(dst, b...)
		i += size
	}
	return dst
}
