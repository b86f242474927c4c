//go:build unix && !(linux || dragonfly || freebsd || netbsd || openbsd || solaris)

package sysfd

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Pipe returns a pipe whose ends are close-on-exec, and non-blocking when
// nonblock is set. Without pipe2, pipe and the close-on-exec marking run
// under syscall.ForkLock, so no concurrent fork+exec sees the fds unmarked.
func Pipe(nonblock bool) (r, w int, err error) {
	var p [2]int
	syscall.ForkLock.RLock()
	err = unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, -1, os.NewSyscallError("pipe", err)
	}
	if nonblock {
		for _, fd := range p {
			if err := unix.SetNonblock(fd, true); err != nil {
				unix.Close(p[0])
				unix.Close(p[1])
				return -1, -1, os.NewSyscallError("fcntl", err)
			}
		}
	}
	return p[0], p[1], nil
}
