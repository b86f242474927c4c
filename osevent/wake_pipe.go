//go:build unix && !linux

package osevent

import (
	"github.com/childloop/childloop/internal/sysfd"
	"golang.org/x/sys/unix"
)

// newWaker creates a pipe that is close-on-exec and non-blocking before any
// fork+exec can see it (Linux uses an eventfd instead).
func newWaker() (waker, error) {
	r, w, err := sysfd.Pipe(true)
	if err != nil {
		return waker{-1, -1}, err
	}
	return waker{r: r, w: w}, nil
}

// wake writes one byte to the pipe.
func (w *waker) wake() error {
	b := [1]byte{1}
	return w.write(b[:])
}

// drain reads the pipe until it is empty.
func (w *waker) drain() {
	var b [64]byte
	for {
		n, err := unix.Read(w.r, b[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || n < len(b) {
			return
		}
	}
}
