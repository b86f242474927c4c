//go:build linux

package sigchld

import (
	"syscall"
	"unsafe"
)

// sigDefault is a kernel struct sigaction that means SIG_DFL with no flags
// and an empty mask: all zeroes on every Linux architecture. It is
// preallocated because Reset may not allocate.
var sigDefault [4]uint64

// Reset makes a forked child independent of the SIGCHLD state it
// inherited: it empties the user list (the generation moves on, so every
// inherited parent sees the fork), resets SIGCHLD to SIG_DFL and closes
// every registered self-pipe fd. It reports false if it had already run in
// this image, and then does nothing (the fd numbers may have been reused).
// It takes no lock, allocates nothing and cannot grow the stack.
//
//go:nosplit
//go:norace
func Reset() bool {
	if forkGen != 0 {
		// Already called in this image (for example in a grandchild
		// forked after it): the fd numbers may have been reused since.
		return false
	}
	forkGen++
	// The child is single-threaded: plain loads and stores are enough,
	// and the atomic helpers (race-instrumented under -race) are avoided.
	if p := (*[]int32)(allFDs); p != nil {
		fds := *p
		for i := 0; i < len(fds); i++ {
			syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(fds[i]), 0, 0)
		}
	}
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGCHLD),
		uintptr(unsafe.Pointer(&sigDefault)), 0, 8, 0, 0)
	return true
}
