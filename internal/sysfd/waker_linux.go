package sysfd

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// wakeBytes adds one to an eventfd counter.
var wakeBytes = func() (b [8]byte) {
	binary.NativeEndian.PutUint64(b[:], 1)
	return b
}()

// NewWaker creates one eventfd, both the read and the write end.
func NewWaker() (Waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return Waker{-1, -1}, os.NewSyscallError("eventfd", err)
	}
	return Waker{fd, fd}, nil
}
