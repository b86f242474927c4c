//go:build unix

package spawn

import (
	"sync/atomic"
	"syscall"
)

// ForkExec has syscall.ForkExec's signature and contract: it returns the
// child's pid once the child has exec'd, or the error that stopped it (the
// failed child already reaped); attr.Files[i] becomes fd i in the child
// (^uintptr(0) closes it) and every other descriptor is left to
// close-on-exec; after a failure *attr.Sys.PidFD is -1. One difference: on
// the fast path an error is an *os.SyscallError naming the failing call
// ("execve: no such file or directory"), not a bare syscall.Errno, so
// compare with errors.Is(err, syscall.ENOENT) or errors.Is(err,
// fs.ErrNotExist), not ==.
//
// The fast path (linux/amd64, linux/arm64) takes syscall.ForkLock for
// writing, shared with other forks of this package as syscall.ForkExec shares
// it among its own. Everything else goes to syscall.ForkExec: SysProcAttr
// fields other than Setsid, Setpgid, Pgid, Credential, Pdeathsig and PidFD,
// other platforms, and a soft RLIMIT_NOFILE of exactly hard−1. That last
// value is the one the Go runtime sets at start-up when it raises the soft
// limit; syscall.ForkExec
// then gives children the original soft limit, which only it knows. A program
// that sets RLIMIT_NOFILE itself (syscall.Setrlimit) tells syscall.ForkExec
// to leave children's limits alone, and gets the fast path.
func ForkExec(argv0 string, argv []string, attr *syscall.ProcAttr) (pid int, err error) {
	if attr == nil {
		attr = new(syscall.ProcAttr)
	}
	if !fastEligible(attr) {
		fallbacks.Add(1)
		return syscall.ForkExec(argv0, argv, attr)
	}
	fastSpawns.Add(1)
	return vforkExec(argv0, argv, attr)
}

// Which path spawns took, for tests.
var fastSpawns, fallbacks atomic.Uint64

// NofileToHard sets the soft RLIMIT_NOFILE to the hard limit when it is
// hard−1, the value the Go runtime leaves after raising it at start-up. That
// makes syscall.ForkExec stop giving children the original soft limit and
// lets ForkExec take its fast path. Tests call it so that they exercise the
// fast path on machines whose soft limit starts below the hard one.
func NofileToHard() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Max > 0 && lim.Cur == lim.Max-1 {
		lim.Cur = lim.Max
		return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	return nil
}
