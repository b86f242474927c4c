package testutil

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The checks below ask waitid(2) with WNOWAIT, so they reap nothing: a
// child found stays for the code under test (or the test's cleanup) to
// reap. __WALL makes them see every kind of child, clone children with an
// exit signal other than SIGCHLD included.

// peekChild asks waitid, without reaping or blocking, about any child:
// ECHILD (none) gives found false; otherwise zombie is the pid of an exited
// child, or 0 when every child still runs.
func peekChild() (found bool, zombie int, err error) {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT|unix.WALL, nil)
		switch {
		case err == unix.EINTR:
			continue
		case errors.Is(err, unix.ECHILD):
			return false, 0, nil
		case err != nil:
			return false, 0, os.NewSyscallError("waitid", err)
		}
		return true, siginfoPid(&info), nil
	}
}

// NoZombies returns an error naming a child of this process that has exited
// and not been reaped, or nil if there is none. Running children do not
// count.
func NoZombies() error {
	_, zombie, err := peekChild()
	if err != nil {
		return err
	}
	if zombie != 0 {
		return fmt.Errorf("testutil: zombie child %d left behind (exited, not reaped)", zombie)
	}
	return nil
}

// NoChildren returns an error if this process has any child, running,
// stopped or exited and not reaped (waitid must say ECHILD), listing those
// /proc shows; nil if it has none.
func NoChildren() error {
	found, _, err := peekChild()
	if err != nil || !found {
		return err
	}
	var list []string
	kids, perr := ChildrenOf(os.Getpid())
	for _, k := range kids {
		list = append(list, k.String())
	}
	if perr != nil {
		list = append(list, perr.Error())
	}
	return fmt.Errorf("testutil: child processes left behind (waitid did not say ECHILD): [%s]", strings.Join(list, ", "))
}

// WaitExited blocks until child pid has exited, without reaping it:
// afterwards it is a zombie until someone waits for it.
func WaitExited(pid int) error {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT|unix.WALL, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("waitid", err)
		}
		return nil
	}
}

// siginfoPid is si_pid of a waitid result (x/sys keeps the siginfo union as
// raw bytes): after si_signo, si_errno and si_code (three int32) come, on
// 64-bit systems, 4 bytes of padding, then si_pid.
func siginfoPid(info *unix.Siginfo) int {
	b := (*[128]byte)(unsafe.Pointer(info))
	off := 12
	if unsafe.Sizeof(uintptr(0)) == 8 {
		off = 16
	}
	return int(*(*int32)(unsafe.Pointer(&b[off])))
}
