//go:build unix && !linux

package testutil

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

func openFDs() ([]int, error) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return nil, os.NewSyscallError("getrlimit", err)
	}
	return probeFDs(int(min(lim.Cur, 1<<20))), nil
}

// describeFD is fd, for messages (only Linux says what it refers to).
func describeFD(fd int) string { return strconv.Itoa(fd) }
