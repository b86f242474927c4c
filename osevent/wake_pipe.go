//go:build unix && !linux

package osevent

import "golang.org/x/sys/unix"

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
