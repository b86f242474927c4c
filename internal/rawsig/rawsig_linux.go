//go:build linux && (amd64 || arm64)

package rawsig

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

const supported = true

// kernelSigaction is struct sigaction as the rt_sigaction system call takes
// it on amd64 and arm64 (include/uapi/asm-generic/signal.h with
// SA_RESTORER): handler, flags, restorer, then a 64-bit mask. This differs
// from glibc's struct sigaction, which puts the mask second.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const (
	sigDFL = 0 // SIG_DFL
	sigIGN = 1 // SIG_IGN

	saNOCLDSTOP = 0x1
	saNOCLDWAIT = 0x2
	saSIGINFO   = 0x4
	saRESTORER  = 0x04000000
	saONSTACK   = 0x08000000
	saRESTART   = 0x10000000

	// sigsetSize is the kernel's sigset_t size, the fourth argument of
	// rt_sigaction.
	sigsetSize = 8
)

// Implemented in handler_linux_*.s.

// sigchldHandler is the signal handler. It is entered by the kernel with the
// C calling convention and is never called from Go.
//
//lint:ignore U1000 referenced only from assembly, by address.
func sigchldHandler()

// handlerPC returns the entry address of sigchldHandler (ABI0).
func handlerPC() uintptr

var (
	ctlMu sync.Mutex // serializes Install, Uninstall and Check

	// installed is 1 between a successful Install and Uninstall. Written
	// under ctlMu; read atomically by Installed.
	installed uintptr

	// saved is the action Install replaced. Owned by ctlMu.
	saved kernelSigaction

	// prevHandler is saved.handler, read by the signal handler to chain.
	// Written under ctlMu before our handler is installed.
	prevHandler uintptr
)

func rtSigaction(act, old *kernelSigaction) error {
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD),
		uintptr(unsafe.Pointer(act)), uintptr(unsafe.Pointer(old)), sigsetSize, 0, 0)
	if e != 0 {
		return os.NewSyscallError("rt_sigaction", e)
	}
	return nil
}

func install() error {
	ctlMu.Lock()
	defer ctlMu.Unlock()
	if atomic.LoadUintptr(&installed) != 0 {
		return ErrAlreadyInstalled
	}
	var old kernelSigaction
	if err := rtSigaction(nil, &old); err != nil {
		return err
	}
	h := handlerPC()
	if old.handler == h {
		// Only possible if another copy of this state thinks it owns the
		// signal; chaining to ourselves would recurse forever.
		return fmt.Errorf("%w: SIGCHLD action is already the raw handler", ErrAlreadyInstalled)
	}
	// Publish the chain target before the handler can run.
	atomic.StoreUintptr(&prevHandler, old.handler)
	act := kernelSigaction{
		handler:  h,
		flags:    saSIGINFO | saONSTACK | saRESTART | archFlags | old.flags&(saNOCLDSTOP|saNOCLDWAIT),
		restorer: restorerPC(),
		mask:     ^uint64(0),
	}
	var replaced kernelSigaction
	if err := rtSigaction(&act, &replaced); err != nil {
		return err
	}
	if replaced.handler != old.handler {
		// Someone changed the action between our two calls; chain to
		// what we actually replaced.
		atomic.StoreUintptr(&prevHandler, replaced.handler)
	}
	saved = replaced
	atomic.StoreUintptr(&installed, 1)
	return nil
}

func uninstall() error {
	ctlMu.Lock()
	defer ctlMu.Unlock()
	if atomic.LoadUintptr(&installed) == 0 {
		return ErrNotInstalled
	}
	atomic.StoreUintptr(&installed, 0)
	var cur kernelSigaction
	if err := rtSigaction(nil, &cur); err != nil {
		return err
	}
	if cur.handler != handlerPC() {
		return overwritten(cur)
	}
	return rtSigaction(&saved, nil)
}

func check() error {
	ctlMu.Lock()
	defer ctlMu.Unlock()
	if atomic.LoadUintptr(&installed) == 0 {
		return ErrNotInstalled
	}
	var cur kernelSigaction
	if err := rtSigaction(nil, &cur); err != nil {
		return err
	}
	if cur.handler != handlerPC() {
		return overwritten(cur)
	}
	return nil
}

func overwritten(cur kernelSigaction) error {
	switch cur.handler {
	case sigDFL:
		return fmt.Errorf("%w: SIGCHLD action is SIG_DFL", ErrOverwritten)
	case sigIGN:
		return fmt.Errorf("%w: SIGCHLD action is SIG_IGN", ErrOverwritten)
	}
	return fmt.Errorf("%w: SIGCHLD handler is now %#x", ErrOverwritten, cur.handler)
}

func installedNow() bool { return atomic.LoadUintptr(&installed) != 0 }

// checkFD verifies that fd is open and non-blocking.
func checkFD(fd int32) error {
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return fmt.Errorf("%w: %d: %w", ErrInvalidFD, fd, os.NewSyscallError("fcntl", err))
	}
	if fl&unix.O_NONBLOCK == 0 {
		return fmt.Errorf("%w: %d", ErrBlockingFD, fd)
	}
	return nil
}
