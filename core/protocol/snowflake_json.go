package protocol

import (
	"errors"
	"strconv"
)

// MarshalJSON writes the id as a JSON string, as Discord does.
func (s Snowflake) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 22)
	b = append(b, '"')
	b = strconv.AppendUint(b, uint64(s), 10)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts a decimal string or a bare number (some backends
// send numbers); anything else is an error.
func (s *Snowflake) UnmarshalJSON(b []byte) error {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	if len(b) == 0 || len(b) > 20 {
		return errors.New("snowflake: not a decimal id")
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return errors.New("snowflake: not a decimal id")
	}
	*s = Snowflake(v)
	return nil
}

// Permissions is a permission bit set; JSON carries it as a decimal string.
type Permissions uint64

// MarshalJSON writes the bits as a decimal string.
func (p Permissions) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 22)
	b = append(b, '"')
	b = strconv.AppendUint(b, uint64(p), 10)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts a decimal string or number.
func (p *Permissions) UnmarshalJSON(b []byte) error {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return errors.New("permissions: not a decimal bit set")
	}
	*p = Permissions(v)
	return nil
}

// Permission bits the gateway evaluates.
const (
	PermAdministrator  Permissions = 1 << 3
	PermViewChannel    Permissions = 1 << 10
	PermSendMessages   Permissions = 1 << 11
	PermReadHistory    Permissions = 1 << 16
	PermManageChannels Permissions = 1 << 4
)
