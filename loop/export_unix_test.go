//go:build unix && !linux

package loop

import "golang.org/x/sys/unix"

func readWakeCount(fd int) int {
	var b [64]byte
	n, _ := unix.Read(fd, b[:])
	if n < 0 {
		return 0
	}
	return n
}
