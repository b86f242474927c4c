//go:build linux

package spawn

import (
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// PidfdSupported reports, probing once, whether every pidfd feature pidfd
// reaping uses works here: pidfd_open, pidfd_send_signal, waitid(P_PIDFD)
// and clone(CLONE_PIDFD) (an emulator such as qemu-user may offer
// pidfd_open without the last).
var PidfdSupported = sync.OnceValue(func() bool {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	// Signal 0 checks the call without sending anything.
	if unix.PidfdSendSignal(fd, 0, nil, 0) != nil {
		return false
	}
	// We are not our own child: ECHILD where P_PIDFD exists, EINVAL where
	// it does not.
	var info unix.Siginfo
	if unix.Waitid(unix.P_PIDFD, fd, &info, unix.WEXITED|unix.WNOHANG, nil) != unix.ECHILD {
		return false
	}
	return clonePidfdWorks()
})

// clonePidfdWorks forks a child that exits at once, asking for its pidfd
// with CLONE_PIDFD, and reports whether the kernel returned one. The child
// gets no exit signal, so that only a __WALL wait sees it: no other reaper
// in the process (a ModeReapAll parent's wait4(-1)) can take it from us.
func clonePidfdWorks() bool {
	pidfd := int32(-1)
	syscall.ForkLock.Lock()
	pid, errno := cloneExit(uintptr(unsafe.Pointer(&pidfd)))
	syscall.ForkLock.Unlock()
	if errno != 0 {
		return false
	}
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(int(pid), &ws, unix.WALL, nil); err != unix.EINTR {
			break
		}
	}
	if pidfd < 0 {
		return false
	}
	unix.Close(int(pidfd))
	return true
}

// cloneExit clones with CLONE_PIDFD (the kernel stores the pidfd at the
// parent_tid argument, the third on amd64 and arm64 alike); the child exits
// at once without running Go code.
//
//go:norace
//go:noinline
func cloneExit(pidfdAddr uintptr) (pid uintptr, errno syscall.Errno) {
	BeforeFork()
	pid, errno = rawClonePidfd(pidfdAddr)
	if errno == 0 && pid == 0 {
		rawExit(0)
	}
	AfterFork()
	return pid, errno
}

//go:nosplit
//go:norace
func rawClonePidfd(pidfdAddr uintptr) (pid uintptr, errno syscall.Errno) {
	r1, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, unix.CLONE_PIDFD, 0, pidfdAddr, 0, 0, 0)
	return r1, e
}

//go:nosplit
//go:norace
func rawExit(code int) {
	for {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, uintptr(code), 0, 0)
	}
}
