package loop

import (
	"os"

	"golang.org/x/sys/unix"
)

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
