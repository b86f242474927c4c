//go:build linux || dragonfly || freebsd || netbsd || openbsd || solaris

package loop

import (
	"os"

	"golang.org/x/sys/unix"
)

// cloexecPipe creates a pipe whose ends are close-on-exec from birth.
func cloexecPipe(p *[2]int) error {
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return os.NewSyscallError("pipe2", err)
	}
	return nil
}
