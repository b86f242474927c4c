//go:build linux

package childproc

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Linux si_code values for SIGCHLD (asm-generic/siginfo.h).
const (
	cldExited = 1 // exited; si_status is the exit code
	cldKilled = 2 // killed; si_status is the signal
	cldDumped = 3 // killed and dumped core
)

// siginfoChild decodes the SIGCHLD part of a waitid result: si_pid and
// si_status. x/sys keeps the union as raw bytes; in the kernel's layout
// si_signo, si_errno and si_code (three int32) are followed, on 64-bit
// systems, by 4 bytes of padding, then si_pid, si_uid and si_status.
func siginfoChild(info *unix.Siginfo) (pid int, st Status) {
	b := (*[128]byte)(unsafe.Pointer(info))
	off := 12
	if unsafe.Sizeof(uintptr(0)) == 8 {
		off = 16
	}
	pid = int(*(*int32)(unsafe.Pointer(&b[off])))
	status := int(*(*int32)(unsafe.Pointer(&b[off+8])))
	switch info.Code {
	case cldKilled:
		st = Status{Signal: syscall.Signal(status)}
	case cldDumped:
		st = Status{Signal: syscall.Signal(status), CoreDumped: true}
	default:
		st = Status{Code: status}
	}
	return pid, st
}
