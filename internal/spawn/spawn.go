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
// fields other than Setsid, Setpgid, Pgid, Credential, Pdeathsig, PidFD,
// Setctty, Ctty, UseCgroupFD and CgroupFD (clone3 with CLONE_INTO_CGROUP,
// Linux 5.7), and other platforms.
//
// The fd table: the fast-path child shares the parent's (CLONE_FILES)
// and first unshares a copy of the fds below 1024 only (or below the
// highest fd in Files, if higher), so that a start does not cost O(open
// fds); a PidFD it returns is placed at 1024 or above. The difference from
// syscall.ForkExec: an inheritable fd (one without close-on-exec) numbered
// above that cut and not in Files is not inherited.
//
// RLIMIT_NOFILE: the Go runtime raises the soft limit to hard−1 at start-up
// and syscall.ForkExec gives children the original, which only package
// syscall knows. The fast path gives them the same: the first time it sees
// the raised value it learns the original from a probe child spawned once
// with syscall.ForkExec (a 129-byte program run from a memfd, exiting at
// once; a wait4(-1) reaper in the process may see its exit). Where that
// cannot be learned, spawns fall back to syscall.ForkExec while the limit
// is raised. One difference remains: a program that calls
// syscall.Setrlimit(RLIMIT_NOFILE) with exactly hard−1 after the probe
// ran tells syscall.ForkExec to leave children alone, which the fast path
// cannot see.
func ForkExec(argv0 string, argv []string, attr *syscall.ProcAttr) (pid int, err error) {
	return forkExec(argv0, argv, attr, false)
}

// ForkExecYielding is ForkExec that lets other goroutines run while the
// calling thread is suspended in the vfork clone. ForkExec, like
// syscall.ForkExec, keeps the goroutine's P (its share of GOMAXPROCS)
// through the child's exec, so on a machine with few CPUs a goroutine that
// spawns in a loop stalls the goroutines waiting for a P, among them
// whoever reaps. ForkExecYielding hands the P off for the wait, as a
// blocking system call does, and takes one again after it: a hand-off that
// costs more CPU than it saves for a lone spawner, and pays where several
// goroutines spawn while others have work (childproc's Start spawners).
// The fallback to syscall.ForkExec keeps the P.
func ForkExecYielding(argv0 string, argv []string, attr *syscall.ProcAttr) (pid int, err error) {
	return forkExec(argv0, argv, attr, true)
}

func forkExec(argv0 string, argv []string, attr *syscall.ProcAttr, yield bool) (pid int, err error) {
	if attr == nil {
		attr = new(syscall.ProcAttr)
	}
	nofile, ok := fastEligible(attr)
	if !ok {
		fallbacks.Add(1)
		return syscall.ForkExec(argv0, argv, attr)
	}
	fastSpawns.Add(1)
	return vforkExec(argv0, argv, attr, nofile, yield)
}

// Which path spawns took, for tests.
var fastSpawns, fallbacks atomic.Uint64

// NofileToHard sets the soft RLIMIT_NOFILE to the hard limit when it is
// hard−1, the value the Go runtime leaves after raising it at start-up. That
// makes syscall.ForkExec stop giving children the original soft limit, so
// that children get the raised one whichever path spawns them, and no
// probe child is needed. The benchmarks call it, so that every row's
// children run with the same limit.
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
