//go:build linux

package noexec

import (
	"os"
	"syscall"
	"unsafe"

	"github.com/childloop/childloop/internal/spawn"
)

// start forks a child that runs prog; see Steps.Start.
func start(prog []step) (pid int, err error) {
	syscall.ForkLock.Lock()
	p, errno := forkAndRun(prog)
	syscall.ForkLock.Unlock()
	if errno != 0 {
		return 0, os.NewSyscallError("clone", errno)
	}
	return int(p), nil
}

// forkAndRun forks; in the child it never returns.
//
//go:norace
//go:noinline
func forkAndRun(prog []step) (pid uintptr, errno syscall.Errno) {
	spawn.BeforeFork()
	pid, errno = rawFork()
	if errno == 0 && pid == 0 {
		childRun(prog) // does not return
	}
	spawn.AfterFork()
	return pid, errno
}

// rawFork is fork(2) as clone(SIGCHLD) (arm64 has no fork system call).
//
//go:nosplit
//go:norace
func rawFork() (pid uintptr, errno syscall.Errno) {
	r1, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	return r1, e
}

// childRun is the forked child's whole life: it must not allocate, lock or
// grow the stack, and calls only nosplit functions and raw system calls.
//
//go:nosplit
//go:norace
func childRun(prog []step) {
	spawn.AfterForkInChild()
	PostforkChild()
	for i := 0; i < len(prog); i++ {
		st := &prog[i]
		var e syscall.Errno
		switch st.kind {
		case stepSetsid:
			_, _, e = syscall.RawSyscall(syscall.SYS_SETSID, 0, 0, 0)
		case stepDup2:
			if st.a == st.b {
				// dup3 refuses equal fds; clear close-on-exec instead.
				_, _, e = syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(st.a), syscall.F_SETFD, 0)
			} else {
				_, _, e = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(st.a), uintptr(st.b), 0)
			}
		case stepChdir:
			_, _, e = syscall.RawSyscall(syscall.SYS_CHDIR, uintptr(unsafe.Pointer(st.path)), 0, 0)
		case stepCloseFrom:
			_, _, e = syscall.RawSyscall(sysCloseRange, uintptr(st.a), ^uintptr(0), 0)
		case stepFork:
			var pid uintptr
			pid, e = rawFork()
			if e == 0 && pid != 0 {
				exitNow(0) // the middle child ends; the grandchild goes on
			}
		case stepWrite:
			if len(st.data) > 0 {
				_, _, e = syscall.RawSyscall(syscall.SYS_WRITE, uintptr(st.a), uintptr(unsafe.Pointer(&st.data[0])), uintptr(len(st.data)))
			}
		case stepExec:
			syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(st.path)),
				uintptr(unsafe.Pointer(&st.argv[0])), uintptr(unsafe.Pointer(&st.envv[0])))
			exitNow(ExecFailedCode)
		case stepExit:
			exitNow(st.a)
		case stepCall:
			if code := st.fn(); code != 0 {
				exitNow(int(code))
			}
		}
		if e != 0 {
			exitNow(StepFailedCode)
		}
	}
	exitNow(0)
}

// sysCloseRange is close_range(2)'s number, the same on amd64 and arm64.
const sysCloseRange = 436

//go:nosplit
//go:norace
func exitNow(code int) {
	for {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, uintptr(code), 0, 0)
	}
}
