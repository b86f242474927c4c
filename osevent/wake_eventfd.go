//go:build linux

package osevent

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// newWaker creates a non-blocking, close-on-exec eventfd.
func newWaker() (waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return waker{-1, -1}, os.NewSyscallError("eventfd", err)
	}
	return waker{r: fd, w: fd}, nil
}

// wake adds one to the eventfd counter.
func (w *waker) wake() error {
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], 1)
	return w.write(b[:])
}

// drain resets the eventfd counter; one read empties it.
func (w *waker) drain() {
	var b [8]byte
	for {
		if _, err := unix.Read(w.r, b[:]); err != unix.EINTR {
			return
		}
	}
}
