//go:build !linux

package node_test

import "os/exec"

// killWithParent has no portable equivalent; t.Cleanup still kills the
// child when the test ends normally.
func killWithParent(*exec.Cmd) {}
