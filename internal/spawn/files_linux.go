//go:build linux && (amd64 || arm64)

package spawn

import (
	"sync/atomic"
	"syscall"
)

// Each clone without CLONE_FILES copies the parent's whole fd table, one
// reference per open fd, and the exec then closes the close-on-exec copies
// again: a start costs O(open fds). A parent watching 10000 children
// through pidfds paid 399 µs per start against 95 µs with 15 fds.
//
// So the vfork child shares the table (CLONE_FILES) and its first act is
// close_range(from, ~0, CLOSE_RANGE_UNSHARE), which gives it a private copy
// of fds below from only. The pidfds this package hands out are moved to
// from highBase up (highFD), so a copy below highBase holds the
// application's fds and none of the children's; the child's table, and its
// exec, cost what the application's own fds cost, however many children
// live.
//
// What the child loses is fds numbered from the cut up that it does not
// name in ProcAttr.Files: close-on-exec ones, which exec would close
// anyway, and any an application left inheritable up there.

// highBase is where the pidfds of spawned children go: above the fds of
// most programs, and low enough that the fd table stays small.
const highBase = 1024

// closeRangeUnshare is CLOSE_RANGE_UNSHARE (Linux 5.9).
const closeRangeUnshare = 1 << 1

// closeRangeFlags is what the child passes close_range; a test sets flags
// the kernel refuses, as an old kernel would, to exercise the fallback.
var closeRangeFlags uintptr = closeRangeUnshare

// sysCloseRange is close_range's number, the same on amd64 and arm64.
const sysCloseRange = 436

// filesShared is cleared for the life of the process once a child found
// close_range(CLOSE_RANGE_UNSHARE) missing (Linux < 5.9).
var filesShared atomic.Bool

func init() { filesShared.Store(true) }

// unshareFrom is the cut for a child given files: highBase, or above
// every fd it is given.
func unshareFrom(files []uintptr) int {
	from := highBase
	for _, f := range files {
		// A slot given as closed (^uintptr(0)) is -1 here.
		if fd := int(f); fd >= from {
			from = fd + 1
		}
	}
	return from
}

// highFD moves fd to highBase or above, close-on-exec, and returns the fd
// to use: fd itself when it cannot be moved (the limit is lower, or
// there is no room up there), which only costs later clones a reference.
func highFD(fd int) int {
	if fd < 0 || fd >= highBase {
		return fd
	}
	nfd, _, e := syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, highBase)
	if e != 0 {
		return fd
	}
	syscall.Close(fd)
	return int(nfd)
}
