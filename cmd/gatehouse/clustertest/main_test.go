package clustertest_test

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"gatehouse/cmd/gatehouse/clustertest"
)

// binary is the gatehouse binary every test runs, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("clustertest: -short: skipping the multi-process tests")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "gatehouse-clustertest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	race := raceEnabled && os.Getenv("GATEHOUSE_CLUSTERTEST_RACE") != "0"
	start := time.Now()
	bin, how, err := clustertest.Build(dir, race)
	if err != nil {
		fmt.Fprintln(os.Stderr, "clustertest: build:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	fmt.Printf("clustertest: built gatehouse (%s) in %v\n", how, time.Since(start).Round(time.Millisecond))
	binary = bin
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needHAProxy skips a test that needs haproxy when it is not installed,
// saying how to install it.
func needHAProxy(t *testing.T) {
	t.Helper()
	if _, err := clustertest.HAProxyAvailable(); err != nil {
		t.Skip(err.Error())
	}
}
