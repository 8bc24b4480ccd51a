package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// loadNamedSecret reads dataDir/name; with create, it makes one when
// missing so `make run` works with no configuration and tokens survive
// restarts.
func loadNamedSecret(dataDir, name string, create bool) (string, error) {
	p := filepath.Join(dataDir, name)
	b, err := os.ReadFile(p)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if s == "" {
			return "", errors.New(p + " is empty")
		}
		return s, nil
	}
	if !create || !os.IsNotExist(err) {
		return "", err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	s := hex.EncodeToString(raw[:])
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(p, []byte(s+"\n"), 0o600); err != nil {
		return "", err
	}
	return s, nil
}
