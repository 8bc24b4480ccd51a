// Package auth mints and verifies gateway tokens. A token has Discord's shape
// so that every client library that parses tokens accepts it:
//
//	base64(user_id) "." base64(issued_at) "." base64url(HMAC-SHA256(secret, part1 "." part2))
//
// Part one is the decimal user id, unpadded base64 (for ASCII digits the
// standard and URL alphabets agree, and disgo decodes it with
// RawStdEncoding). Part two is the issue time in seconds since the Unix
// epoch, 4 bytes big-endian, unpadded base64url. Part three is the HMAC,
// unpadded base64url. A `Bot ` prefix is accepted and ignored.
package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidToken covers every malformed, forged or unparsable token.
var ErrInvalidToken = errors.New("auth: invalid token")

// MaxTokenLen bounds what Verify looks at; real tokens are about 70 bytes.
const MaxTokenLen = 512

// Signer mints and verifies tokens with one secret. Safe for concurrent use:
// it holds only immutable data.
type Signer struct {
	secret []byte
}

// NewSigner returns a Signer for secret. An empty secret is refused.
func NewSigner(secret string) (*Signer, error) {
	if secret == "" {
		return nil, errors.New("auth: empty secret")
	}
	return &Signer{secret: []byte(secret)}, nil
}

// Mint returns a token for userID issued at t.
func (s *Signer) Mint(userID uint64, t time.Time) string {
	p1 := base64.RawStdEncoding.EncodeToString([]byte(strconv.FormatUint(userID, 10)))
	var ts [4]byte
	binary.BigEndian.PutUint32(ts[:], uint32(t.Unix()))
	p2 := base64.RawURLEncoding.EncodeToString(ts[:])
	return p1 + "." + p2 + "." + base64.RawURLEncoding.EncodeToString(s.mac(p1, p2))
}

// Verify checks tok and returns the user id it was minted for.
func (s *Signer) Verify(tok string) (uint64, error) {
	tok = strings.TrimPrefix(tok, "Bot ")
	if len(tok) > MaxTokenLen {
		return 0, ErrInvalidToken
	}
	p1, rest, ok := strings.Cut(tok, ".")
	if !ok {
		return 0, ErrInvalidToken
	}
	p2, p3, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(p3, ".") {
		return 0, ErrInvalidToken
	}
	sig, err := base64.RawURLEncoding.DecodeString(p3)
	if err != nil || !hmac.Equal(sig, s.mac(p1, p2)) {
		return 0, ErrInvalidToken
	}
	idText, err := base64.RawStdEncoding.DecodeString(p1)
	if err != nil {
		return 0, ErrInvalidToken
	}
	id, err := strconv.ParseUint(string(idText), 10, 64)
	if err != nil || id == 0 {
		return 0, ErrInvalidToken
	}
	return id, nil
}

func (s *Signer) mac(p1, p2 string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(p1))
	m.Write([]byte{'.'})
	m.Write([]byte(p2))
	return m.Sum(nil)
}
