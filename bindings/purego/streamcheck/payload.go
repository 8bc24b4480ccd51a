package streamcheck

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
)

// Payload checks one payload-compressed message: a complete zlib stream,
// Adler-32 trailer included, that holds exactly want and nothing after it.
func Payload(compressed, want []byte) error {
	br := bytes.NewReader(compressed)
	r, err := zlib.NewReader(br)
	if err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	got, err := io.ReadAll(r) // reads to EOF, which verifies the checksum
	if err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("payload: decoded %d bytes, want %d, first difference at %d", len(got), len(want), firstDiff(got, want))
	}
	if br.Len() != 0 {
		return fmt.Errorf("payload: %d bytes after the end of the zlib stream", br.Len())
	}
	return nil
}
