//go:build unix && !linux && !dragonfly && !freebsd && !netbsd && !openbsd && !solaris

package osevent

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// newWaker creates a pipe where pipe2 is missing (Darwin, AIX). The fds are
// created and marked close-on-exec under syscall.ForkLock, so that no
// concurrent fork+exec can inherit them in between.
func newWaker() (waker, error) {
	var p [2]int
	syscall.ForkLock.RLock()
	err := unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return waker{-1, -1}, os.NewSyscallError("pipe", err)
	}
	w := waker{r: p[0], w: p[1]}
	for _, fd := range p {
		if err := unix.SetNonblock(fd, true); err != nil {
			w.close()
			return waker{-1, -1}, os.NewSyscallError("fcntl", err)
		}
	}
	return w, nil
}
