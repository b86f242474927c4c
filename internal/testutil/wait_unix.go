//go:build unix

package testutil

import (
	"os"
	"syscall"
)

// Reap waits for child pid to exit and reaps it (wait4), retrying on EINTR.
func Reap(pid int) (syscall.WaitStatus, error) {
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return ws, os.NewSyscallError("wait4", err)
		}
		return ws, nil
	}
}
