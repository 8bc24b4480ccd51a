// Command gatehouse runs the gateway (`gatehouse serve`, the default) and
// mints tokens (`gatehouse token`). Every flag can also be set in the
// environment as GATEHOUSE_<FLAG> (upper case, dashes as underscores).
package main

import (
	"fmt"
	"os"
)

func main() {
	args := os.Args[1:]
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args)
	case "token":
		err = token(args)
	case "help":
		usage()
		return
	default:
		fmt.Fprintf(os.Stderr, "gatehouse: unknown command %q\n\n", cmd)
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `gatehouse — a Discord-compatible realtime gateway

usage:
  gatehouse [serve] [flags]              run the gateway (default)
  gatehouse token --user ID [--secret S] print a gateway token for a user
  gatehouse <command> --help             flags of a command

Every flag may also be set as GATEHOUSE_<FLAG> in the environment,
e.g. GATEHOUSE_WS_ADDR=0.0.0.0:8080. Flags given on the command line win.
`)
}
