package purego

// sink is the io.Writer the encoders write into. It appends to the caller's
// dst for the length of one Compress call and is emptied afterwards, so a
// stream never keeps a caller's buffer alive.
type sink struct {
	buf []byte
}

func (s *sink) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	return len(p), nil
}

// take returns what was written and forgets the buffer.
func (s *sink) take() []byte {
	b := s.buf
	s.buf = nil
	return b
}
