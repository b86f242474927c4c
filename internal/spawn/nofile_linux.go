//go:build linux && (amd64 || arm64)

package spawn

import (
	"runtime"
	"strconv"
	"sync"
	"syscall"

	"github.com/childloop/childloop/internal/elfmin"
	"golang.org/x/sys/unix"
)

// The Go runtime raises the soft RLIMIT_NOFILE to hard−1 at start-up and
// package syscall keeps the original, unexported, to give it back to every
// child it spawns (Cur == Max−1 is its marker that the raised value is
// still in place). The fast path must give children the same limit, so it
// learns the original once, from the one place that applies it: a child
// spawned by syscall.ForkExec, whose limit the parent reads with prlimit
// right after the exec. The child is elfmin's exit_group(0) program, run
// from a memfd, so nothing has to exist on disk.

// origNofile is what a syscall.ForkExec child got while this process's
// limit was raised: learned once per process.
var origNofile = sync.OnceValues(probeNofile)

// probeNofile spawns the probe child and returns its RLIMIT_NOFILE; false
// if it could not be learned (no memfd, no /proc, the child reaped by
// someone else), in which case spawns fall back to syscall.ForkExec while
// the limit is raised. A process-wide wait4(-1) reaper (a ModeReapAll parent)
// may see the probe's exit.
func probeNofile() (syscall.Rlimit, bool) {
	img := elfmin.ExitZero(runtime.GOARCH)
	// MFD_EXEC: where vm.memfd_noexec makes memfds non-executable by
	// default (Linux 6.3 on), ask for an executable one; older kernels
	// reject the flag, and their memfds are executable anyway.
	fd, err := unix.MemfdCreate("childloop-nofile-probe", unix.MFD_CLOEXEC|unix.MFD_EXEC)
	if err == unix.EINVAL {
		fd, err = unix.MemfdCreate("childloop-nofile-probe", unix.MFD_CLOEXEC)
	}
	if err != nil {
		return syscall.Rlimit{}, false
	}
	defer unix.Close(fd)
	if n, err := unix.Write(fd, img); err != nil || n != len(img) {
		return syscall.Rlimit{}, false
	}
	pidfd := -1
	attr := &syscall.ProcAttr{Sys: &syscall.SysProcAttr{PidFD: &pidfd}}
	pid, err := syscall.ForkExec("/proc/self/fd/"+strconv.Itoa(fd), []string{"childloop-nofile-probe"}, attr)
	if err != nil {
		return syscall.Rlimit{}, false
	}
	if pidfd < 0 {
		return syscall.Rlimit{}, false // cannot happen: the reap below needs it
	}
	defer unix.Close(pidfd)
	var lim unix.Rlimit
	err = unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &lim)
	// The child exits at once. Reaping it ourselves also proves that the
	// read above was its own: until it is reaped its pid cannot name
	// another process. A process-wide wait4(-1) reaper that took it first
	// leaves ECHILD, and the answer is not trusted.
	var info unix.Siginfo
	werr := unix.Waitid(unix.P_PIDFD, pidfd, &info, unix.WEXITED, nil)
	for werr == unix.EINTR {
		werr = unix.Waitid(unix.P_PIDFD, pidfd, &info, unix.WEXITED, nil)
	}
	if err != nil || werr != nil {
		return syscall.Rlimit{}, false
	}
	return syscall.Rlimit{Cur: lim.Cur, Max: lim.Max}, true
}

// nofilePlan is the RLIMIT_NOFILE a fast-path child is given: lim when set,
// else the parent's (inherited).
type nofilePlan struct {
	lim syscall.Rlimit
	set bool
}

// nofileFor returns the RLIMIT_NOFILE a child must be given, as
// syscall.ForkExec would give it, when this process's limit is lim: set
// reports whether one must be set at all, ok whether the fast path can
// honour it.
func nofileFor(lim syscall.Rlimit) (child syscall.Rlimit, set, ok bool) {
	if lim.Max == 0 || lim.Cur != lim.Max-1 {
		return syscall.Rlimit{}, false, true // not the raised value: children inherit ours
	}
	orig, learned := origNofile()
	if !learned {
		return syscall.Rlimit{}, false, false
	}
	if orig.Max != lim.Max {
		// The hard limit changed since: syscall.ForkExec's own check
		// (Max equal to the original's) fails too, and leaves children
		// with ours.
		return syscall.Rlimit{}, false, true
	}
	return orig, true, true
}
