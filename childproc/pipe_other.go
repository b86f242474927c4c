//go:build unix && !(linux || freebsd || netbsd || openbsd || dragonfly)

package childproc

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// pipeCloexecNonblock creates a pipe and marks it close-on-exec while holding
// syscall.ForkLock for reading, so no concurrent fork+exec can inherit it in
// the window between pipe and fcntl (this platform has no pipe2).
func pipeCloexecNonblock(p *[2]int) error {
	syscall.ForkLock.RLock()
	err := unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return os.NewSyscallError("pipe", err)
	}
	for _, fd := range p {
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return os.NewSyscallError("fcntl", err)
		}
	}
	return nil
}
