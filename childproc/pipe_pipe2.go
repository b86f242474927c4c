//go:build linux || freebsd || netbsd || openbsd || dragonfly

package childproc

import (
	"os"

	"golang.org/x/sys/unix"
)

// pipeCloexecNonblock creates a pipe whose ends are close-on-exec and
// non-blocking from birth (pipe2), so no fork can leak them.
func pipeCloexecNonblock(p *[2]int) error {
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return os.NewSyscallError("pipe2", err)
	}
	return nil
}
