//go:build linux

package childproc_test

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// siginfoPid extracts si_pid from a waitid result (x/sys exposes the
// siginfo union only as raw bytes): after si_signo, si_errno and si_code
// (three int32) comes, on 64-bit Linux, 4 bytes of padding, then si_pid.
func siginfoPid(info *unix.Siginfo) int {
	b := (*[128]byte)(unsafe.Pointer(info))
	off := 12
	if unsafe.Sizeof(uintptr(0)) == 8 {
		off = 16
	}
	return int(*(*int32)(unsafe.Pointer(&b[off])))
}
