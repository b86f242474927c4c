package loop

import (
	"os"

	"golang.org/x/sys/unix"
)

// waker is the loop's self-wakeup fd: an eventfd on Linux (rfd == wfd), a
// pipe elsewhere; non-blocking, and close-on-exec before any fork+exec can
// see it (internal/sysfd). Its fields
// are guarded by Loop.mu and set to -1 by close.
type waker struct {
	rfd, wfd int
}

// writeWake writes b to a non-blocking wake fd. EAGAIN (eventfd counter
// saturated, pipe full) means a wake-up is already pending: success.
func writeWake(fd int, b []byte) error {
	for {
		_, err := unix.Write(fd, b)
		switch err {
		case nil, unix.EAGAIN:
			return nil
		case unix.EINTR:
			continue
		}
		return os.NewSyscallError("write", err)
	}
}

// close closes the wake fd(s), once.
func (w *waker) close() error {
	if w.rfd < 0 {
		return nil
	}
	err := unix.Close(w.rfd)
	if w.wfd != w.rfd {
		if e := unix.Close(w.wfd); err == nil {
			err = e
		}
	}
	w.rfd, w.wfd = -1, -1
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}
