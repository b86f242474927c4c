//go:build linux || dragonfly || freebsd || netbsd || openbsd || solaris

package sysfd

import (
	"os"

	"golang.org/x/sys/unix"
)

// Pipe returns a pipe whose ends are close-on-exec, and non-blocking when
// nonblock is set, from creation.
func Pipe(nonblock bool) (r, w int, err error) {
	flags := unix.O_CLOEXEC
	if nonblock {
		flags |= unix.O_NONBLOCK
	}
	var p [2]int
	if err := unix.Pipe2(p[:], flags); err != nil {
		return -1, -1, os.NewSyscallError("pipe2", err)
	}
	return p[0], p[1], nil
}
