//go:build dragonfly || freebsd || netbsd || openbsd || solaris

package osevent

import (
	"os"

	"golang.org/x/sys/unix"
)

// newWaker creates a pipe that is close-on-exec and non-blocking from birth.
func newWaker() (waker, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return waker{-1, -1}, os.NewSyscallError("pipe2", err)
	}
	return waker{r: p[0], w: p[1]}, nil
}
