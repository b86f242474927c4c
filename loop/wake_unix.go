//go:build unix && !linux

package loop

import (
	"github.com/childloop/childloop/internal/sysfd"
	"golang.org/x/sys/unix"
)

// newWaker creates a pipe, both ends non-blocking and close-on-exec.
func newWaker() (waker, error) {
	r, w, err := sysfd.Pipe(true)
	if err != nil {
		return waker{-1, -1}, err
	}
	return waker{r, w}, nil
}

// signal writes one byte. EAGAIN (pipe full) means the loop has plenty of
// wakeups pending: success.
func (w *waker) signal() error {
	b := [1]byte{1}
	return writeWake(w.wfd, b[:])
}

// drain empties the pipe.
func (w *waker) drain() {
	var buf [64]byte
	for {
		n, err := unix.Read(w.rfd, buf[:])
		if err == unix.EINTR || n == len(buf) {
			continue
		}
		return
	}
}
