//go:build race

package clustertest_test

// raceEnabled: the test binary runs under -race, so the nodes are built
// with -race too.
const raceEnabled = true
