package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// parseWithEnv parses args into fs after applying GATEHOUSE_<FLAG>
// environment variables, so the command line wins over the environment.
func parseWithEnv(fs *flag.FlagSet, args []string) error {
	var errs []string
	fs.VisitAll(func(f *flag.Flag) {
		name := "GATEHOUSE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Sprintf("%s=%q: %v", name, v, err))
			}
		}
	})
	if len(errs) > 0 {
		return fmt.Errorf("environment: %s", strings.Join(errs, "; "))
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: gatehouse %s [flags]\n\nEach flag is also read from GATEHOUSE_<FLAG>.\n\n", fs.Name())
		fs.PrintDefaults()
	}
	return fs.Parse(args)
}
