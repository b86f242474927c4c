//go:build linux

package loop

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// waker is the loop's self-wakeup fd: on Linux one non-blocking eventfd,
// both read and write end. Its fields are guarded by Loop.mu and set to -1
// by close.
type waker struct {
	rfd, wfd int
}

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

func (w *waker) close() error {
	if w.rfd < 0 {
		return nil
	}
	err := unix.Close(w.rfd)
	w.rfd, w.wfd = -1, -1
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}
