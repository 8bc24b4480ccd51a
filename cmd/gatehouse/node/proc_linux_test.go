package node_test

import (
	"os/exec"
	"syscall"
)

// killWithParent makes the kernel SIGKILL the child if the test process
// dies first (a panic, a timeout), so no gatehouse outlives its test.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
