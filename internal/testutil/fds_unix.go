//go:build unix

package testutil

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/childloop/childloop/internal/sysfd"
	"golang.org/x/sys/unix"
)

// OpenFDs lists this process's open descriptors, in order. On Linux it
// reads /proc/self/fd, leaving out the descriptor it reads through;
// elsewhere it probes every descriptor below the RLIMIT_NOFILE soft limit
// (at most 1<<20) with fcntl(F_GETFD). It opens no *os.File, and it starts
// the Go runtime's network poller first (which the runtime does on the
// first *os.File that can be polled, and which then keeps its descriptors
// for good), so that a listing before a test's first *os.File and one after
// it agree.
func OpenFDs() ([]int, error) {
	if err := startPoller(); err != nil {
		return nil, fmt.Errorf("testutil: starting the runtime poller: %w", err)
	}
	return openFDs()
}

// InheritableFDs lists the open descriptors without close-on-exec, in
// order: those every child started by fork and exec inherits whatever its
// spawner passes. In a process just exec'd, they are what its parent passed.
func InheritableFDs() ([]int, error) {
	fds, err := OpenFDs()
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(fds, func(fd int) bool {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		return err != nil || flags&unix.FD_CLOEXEC != 0
	}), nil
}

// probeFDs lists the descriptors below n that fcntl(F_GETFD) finds open.
func probeFDs(n int) []int {
	var fds []int
	for fd := range n {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
			fds = append(fds, fd)
		}
	}
	return fds
}

// startPoller makes the Go runtime open its network poller's descriptors
// (epoll and its wake-up fd on Linux, kqueue elsewhere).
var startPoller = sync.OnceValue(func() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	r.Close()
	w.Close()
	return nil
})

// CheckFDLeak makes t fail if, when it ends, the open descriptors are not
// those open when CheckFDLeak was called: one opened and not closed, or
// one closed that was open before (see OpenFDs: the runtime poller's
// descriptors are open in both listings). A test using it must not run in
// parallel with tests that open or close descriptors.
func CheckFDLeak(t testing.TB) {
	t.Helper()
	before, err := OpenFDs()
	if err != nil {
		t.Fatalf("testutil: open fds: %v", err)
	}
	t.Cleanup(func() {
		after, err := OpenFDs()
		if err != nil {
			t.Errorf("testutil: open fds: %v", err)
			return
		}
		var opened, closed []string
		for _, fd := range after {
			if _, found := slices.BinarySearch(before, fd); !found {
				opened = append(opened, describeFD(fd))
			}
		}
		for _, fd := range before {
			if _, found := slices.BinarySearch(after, fd); !found {
				closed = append(closed, fmt.Sprint(fd))
			}
		}
		if len(opened) > 0 || len(closed) > 0 {
			t.Errorf("fd leak: %d fds open before the test, %d after; opened and left open: [%s]; closed though open before: [%s]",
				len(before), len(after), strings.Join(opened, ", "), strings.Join(closed, ", "))
		}
	})
}

// Pipe returns a non-blocking, close-on-exec pipe (sysfd.Pipe) whose ends
// are closed when the test ends, those the test closed itself and set to
// -1 in the array excepted. The test fails at once if there is no pipe.
func Pipe(t testing.TB) *[2]int {
	t.Helper()
	var p [2]int
	var err error
	p[0], p[1], err = sysfd.Pipe(true)
	if err != nil {
		t.Fatalf("testutil: %v", err)
	}
	t.Cleanup(func() {
		for _, fd := range p {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
	})
	return &p
}
