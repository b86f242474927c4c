package childproc

import (
	"strconv"
	"syscall"
	"time"
)

// Status is how a child ended: exited with Code, or killed by Signal (with
// CoreDumped when the kernel wrote a core). Err is set instead when the
// status could not be obtained (it wraps ErrStatusLost when something
// outside the library reaped the child, or is ErrDisowned); Code, Signal and
// Usage are then meaningless.
type Status struct {
	Code       int            // exit code 0..255, when Signal == 0 and Err == nil
	Signal     syscall.Signal // terminating signal, or 0
	CoreDumped bool           // the signal produced a core dump
	Err        error          // the status was lost; see above

	// Cause is why the library stopped the child, nil if it did not: it
	// wraps context.DeadlineExceeded when Cmd.Timeout or a deadline
	// expired, is context.Cause of Cmd.Context when that was cancelled,
	// and wraps ErrStopped after Child.Stop. A stopped child that exited
	// 0 on its stop signal is still no Success.
	Cause error
	// Forced reports that the stop signal was not enough: the child was
	// still alive when its grace period ended and was sent SIGKILL.
	Forced bool

	// Usage is what the child (and the descendants it reaped) used,
	// from the reaping call itself: the numbers os.ProcessState.SysUsage
	// gives. It is zero when the application reaped the child and
	// reported it with Reaped.
	Usage Usage
	// TreeUsage is what the child's whole tree used, read from the child's
	// cgroup after the tree ended; nil when the child had no cgroup of
	// its own (see Config.Tree).
	TreeUsage *TreeUsage
}

// Usage is a child's resource use as the kernel reports it to the reaper
// (getrusage(2) of a waited-for child).
type Usage struct {
	User, System time.Duration // CPU time in user and kernel mode
	MaxRSS       int64         // peak resident set size, in bytes
	MinorFaults  int64         // page faults served without I/O
	MajorFaults  int64         // page faults that needed I/O
}

// TreeUsage is what every process of a child's cgroup used, the child's
// descendants included, even those that left its process group or were
// never waited for.
type TreeUsage struct {
	CPU, User, System time.Duration // cpu.stat usage_usec, user_usec, system_usec
	// MemoryPeak is memory.peak in bytes: -1 where the memory controller
	// is not enabled for the cgroup (memory.peak absent).
	MemoryPeak int64
}

// Exited reports whether the child exited normally (not by a signal).
func (s Status) Exited() bool { return s.Err == nil && s.Signal == 0 }

// Success reports whether the child exited with code 0 on its own: not
// stopped by the library (Cause is nil).
func (s Status) Success() bool { return s.Exited() && s.Code == 0 && s.Cause == nil }

// String describes the status as "exit 3", "signal killed (core dumped)",
// "signal killed (stopped: context deadline exceeded, forced)" or
// "status lost: ...".
func (s Status) String() string {
	var str string
	switch {
	case s.Err != nil:
		return "status lost: " + s.Err.Error()
	case s.Signal != 0:
		str = "signal " + s.Signal.String()
		if s.CoreDumped {
			str += " (core dumped)"
		}
	default:
		str = "exit " + strconv.Itoa(s.Code)
	}
	if s.Cause != nil {
		str += " (stopped: " + s.Cause.Error()
		if s.Forced {
			str += ", forced"
		}
		str += ")"
	}
	return str
}

// statusFromWait converts a wait status.
func statusFromWait(ws syscall.WaitStatus) Status {
	if ws.Signaled() {
		return Status{Signal: ws.Signal(), CoreDumped: ws.CoreDump()}
	}
	return Status{Code: ws.ExitStatus()}
}

// usageOf converts a reaper's rusage.
func usageOf(ru *syscall.Rusage) Usage {
	return Usage{
		User:        time.Duration(ru.Utime.Nano()),
		System:      time.Duration(ru.Stime.Nano()),
		MaxRSS:      maxRSSBytes(int64(ru.Maxrss)),
		MinorFaults: int64(ru.Minflt),
		MajorFaults: int64(ru.Majflt),
	}
}
