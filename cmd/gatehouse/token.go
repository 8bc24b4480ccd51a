package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"gatehouse/core/auth"
)

// token prints a gateway token for --user, signed with --secret (or the
// secret stored in --data-dir by `serve`).
func token(args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	secret := fs.String("secret", "", "token secret (default: the one serve stored in --data-dir)")
	dataDir := fs.String("data-dir", "./data", "data directory holding the generated secret")
	user := fs.Uint64("user", 0, "user id (snowflake) the token is for")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	if *user == 0 {
		return errors.New("token: --user is required")
	}
	s := *secret
	if s == "" {
		var err error
		if s, err = loadNamedSecret(*dataDir, "secret", false); err != nil {
			return fmt.Errorf("token: no --secret and none stored: %w", err)
		}
	}
	signer, err := auth.NewSigner(s)
	if err != nil {
		return err
	}
	fmt.Println(signer.Mint(*user, time.Now()))
	return nil
}
