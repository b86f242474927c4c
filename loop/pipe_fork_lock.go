//go:build unix && !(linux || dragonfly || freebsd || netbsd || openbsd || solaris)

package loop

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// cloexecPipe creates a pipe whose ends are close-on-exec before any fork
// can see them: without pipe2, pipe and the two F_SETFD calls run under
// syscall.ForkLock, which every fork+exec of the Go runtime takes for writing.
func cloexecPipe(p *[2]int) error {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := unix.Pipe(p[:]); err != nil {
		return os.NewSyscallError("pipe", err)
	}
	unix.CloseOnExec(p[0])
	unix.CloseOnExec(p[1])
	return nil
}
