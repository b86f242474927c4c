//go:build linux

package childproc

import (
	"syscall"
	"unsafe"
)

// sigDefault is a kernel struct sigaction that means SIG_DFL with no flags
// and an empty mask: all zeroes on every Linux architecture. It is
// preallocated because PostforkChildNoexec may not allocate.
var sigDefault [4]uint64

// PostforkChildNoexec makes a forked child that will not exec independent
// of the library state it inherited. Call it first in the child, from the
// goroutine that forked. It empties the SIGCHLD user list, resets SIGCHLD to
// SIG_DFL and closes every registered self-pipe; every inherited Parent then
// returns ErrForked. It takes no lock, allocates nothing and cannot grow the
// stack, so it works whatever locks other goroutines held at the fork;
// afterwards the child may run only //go:nosplit code making raw system
// calls (ForkNoexec is the supported way). A second call does nothing. It
// returns nil on Linux and an error wrapping errors.ErrUnsupported elsewhere.
//
//go:nosplit
//go:norace
func PostforkChildNoexec() error {
	if forkGen != 0 {
		// Already called in this image (for example in a grandchild
		// forked after it): the fd numbers may have been reused since.
		return nil
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
	return nil
}
