package loop

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

func readWakeCount(fd int) int {
	var b [8]byte
	if n, _ := unix.Read(fd, b[:]); n != 8 {
		return 0
	}
	return int(binary.NativeEndian.Uint64(b[:]))
}
