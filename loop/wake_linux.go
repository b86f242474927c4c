//go:build linux

package loop

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// newWaker creates one non-blocking, close-on-exec eventfd, both the read
// and the write end.
func newWaker() (waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return waker{-1, -1}, os.NewSyscallError("eventfd", err)
	}
	return waker{fd, fd}, nil
}

// signal makes the eventfd readable. EAGAIN (counter saturated) means it
// already is: success.
func (w *waker) signal() error {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	return writeWake(w.wfd, one[:])
}

// drain resets the eventfd counter; one read empties it.
func (w *waker) drain() {
	var buf [8]byte
	for {
		if _, err := unix.Read(w.rfd, buf[:]); err != unix.EINTR {
			return
		}
	}
}
