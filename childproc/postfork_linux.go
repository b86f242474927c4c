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
// of the library state it inherited. Call it first thing in the child, from
// the goroutine that forked, before anything else runs.
//
// It empties this process's SIGCHLD user list, resets SIGCHLD to SIG_DFL
// with a raw rt_sigaction, and closes both ends of every registered
// self-pipe. Every Context inherited from the parent is invalid afterwards:
// each of its methods returns ErrForked and touches no parent state. One call
// covers all contexts; a second call does nothing; calling it and then
// exec'ing is harmless.
//
// It is lock-free by construction, unlike libxl's postfork function, which
// in 2014 took the same non-recursive mutex twice and hung every console
// child: it takes no lock, allocates nothing, uses no channel or map, cannot
// grow the stack (//go:nosplit), and makes only raw system calls. So it
// works even when the fork happened while other goroutines held every
// library mutex.
//
// What "quickly" means in Go: until it returns, no other childloop call and
// no new child. After it, the child may run only //go:nosplit code making raw
// system calls (a stack check throws "stack growth after fork", and any lock
// another goroutine held at fork time is held forever), then exec or _exit.
// ForkNoexec is the supported way to do that. It does not reclaim memory,
// fds belonging to other libraries, the pidfds and epoll sets of inherited
// contexts (all close-on-exec), or the parent's records of its children.
//
// It always returns nil on Linux; on other systems it returns an error
// wrapping errors.ErrUnsupported.
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
