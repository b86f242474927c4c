//go:build unix && !linux

package loop

import (
	"os"

	"github.com/childloop/childloop/internal/sysfd"
	"golang.org/x/sys/unix"
)

// waker is the loop's self-wakeup pipe: both ends non-blocking and
// close-on-exec. Its fields are guarded by Loop.mu and set to -1 by close.
type waker struct {
	rfd, wfd int
}

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

func (w *waker) close() error {
	if w.rfd < 0 {
		return nil
	}
	err1 := unix.Close(w.rfd)
	err2 := unix.Close(w.wfd)
	w.rfd, w.wfd = -1, -1
	if err1 == nil {
		err1 = err2
	}
	if err1 != nil {
		return os.NewSyscallError("close", err1)
	}
	return nil
}
