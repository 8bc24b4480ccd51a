package loadgen

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// bindNoPort sets IP_BIND_ADDRESS_NO_PORT on a socket dialed from a chosen
// source address. Without it bind() picks the ephemeral port before the
// destination is known, so each source address tops out at one port range
// in total; with it the kernel picks the port at connect() and only the
// full 4-tuple has to be unique.
func bindNoPort(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
