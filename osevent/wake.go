//go:build unix

package osevent

import (
	"os"

	"golang.org/x/sys/unix"
)

// waker is a PollArray's wake fd pair: r is polled by the application, w is
// written to interrupt that poll. With an eventfd both are the same fd. The
// fds are set once by newWaker and set to -1 by close; all access is
// guarded by the owning PollArray's mutex.
type waker struct {
	r, w int
}

// close closes the waker's fds, once.
func (w *waker) close() error {
	var err error
	if w.r >= 0 {
		err = unix.Close(w.r)
	}
	if w.w >= 0 && w.w != w.r {
		if e := unix.Close(w.w); err == nil {
			err = e
		}
	}
	w.r, w.w = -1, -1
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// write writes b to the wake fd without blocking. A full pipe or eventfd
// counter (EAGAIN) means a wakeup is already pending: success.
func (w *waker) write(b []byte) error {
	for {
		_, err := unix.Write(w.w, b)
		switch err {
		case unix.EINTR:
			continue
		case nil, unix.EAGAIN:
			return nil
		}
		return err
	}
}
