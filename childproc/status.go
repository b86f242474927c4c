package childproc

import (
	"strconv"
	"syscall"
)

// Status is how a child ended: exited with Code, or killed by Signal (with
// CoreDumped when the kernel wrote a core). Err is set instead when the
// status could not be obtained (it wraps ErrStatusLost when something
// outside the library reaped the child, or is ErrDisowned); Code and Signal
// are then meaningless.
type Status struct {
	Code       int            // exit code 0..255, when Signal == 0 and Err == nil
	Signal     syscall.Signal // terminating signal, or 0
	CoreDumped bool           // the signal produced a core dump
	Err        error          // the status was lost; see above
}

// Exited reports whether the child exited normally (not by a signal).
func (s Status) Exited() bool { return s.Err == nil && s.Signal == 0 }

// Success reports whether the child exited with code 0.
func (s Status) Success() bool { return s.Exited() && s.Code == 0 }

// String describes the status as "exit 3", "signal killed (core dumped)" or
// "status lost: ...".
func (s Status) String() string {
	switch {
	case s.Err != nil:
		return "status lost: " + s.Err.Error()
	case s.Signal != 0:
		str := "signal " + s.Signal.String()
		if s.CoreDumped {
			str += " (core dumped)"
		}
		return str
	}
	return "exit " + strconv.Itoa(s.Code)
}

// statusFromWait converts a wait status.
func statusFromWait(ws syscall.WaitStatus) Status {
	if ws.Signaled() {
		return Status{Signal: ws.Signal(), CoreDumped: ws.CoreDump()}
	}
	return Status{Code: ws.ExitStatus()}
}
