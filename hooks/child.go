package hooks

import (
	"strconv"
	"syscall"
)

// ChildMode says who handles SIGCHLD and which children a context reaps.
type ChildMode int

const (
	// LibraryOwned (the default) lets the library catch SIGCHLD while the
	// context has live children, and reap only the children it spawned.
	// Unlike libxl's equivalent mode, which reaps every child of the
	// process, this never steals the status of a child started elsewhere
	// (os/exec, another library).
	LibraryOwned ChildMode = iota

	// Always makes the context reap every child of the process and hand the
	// statuses of children it did not spawn to [ChildHooks.ForeignChild].
	// It is meant for supervisors, container inits and subreapers. At most
	// one Always context may exist per process, and it is incompatible with
	// os/exec in the same process: it would take exec.Cmd.Wait's status.
	Always

	// AlwaysSelective keeps SIGCHLD handling installed for the whole life
	// of the context, but reaps only the context's own children. Any number
	// of contexts may use it; it is safe beside os/exec.
	AlwaysSelective

	// Mainloop leaves SIGCHLD entirely to the application: the library
	// installs nothing. The application either calls the context's
	// SigchldOccurred when it sees SIGCHLD, or reaps children itself and
	// reports each status with Reaped.
	Mainloop
)

// String returns the mode's Go name.
func (m ChildMode) String() string {
	switch m {
	case LibraryOwned:
		return "LibraryOwned"
	case Always:
		return "Always"
	case AlwaysSelective:
		return "AlwaysSelective"
	case Mainloop:
		return "Mainloop"
	}
	return "ChildMode(" + strconv.Itoa(int(m)) + ")"
}

// Valid reports whether m is one of the four modes.
func (m ChildMode) Valid() bool { return m >= LibraryOwned && m <= Mainloop }

// Status is how a child ended: exited with Code, or killed by Signal (with
// CoreDumped when the kernel wrote a core). Err is set instead when the
// status could not be obtained (for example waitid failed with ECHILD because
// something outside the library reaped the child); Code and Signal are then
// meaningless.
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

// StatusFromWait converts a wait4 status into a Status.
func StatusFromWait(ws syscall.WaitStatus) Status {
	if ws.Signaled() {
		return Status{Signal: ws.Signal(), CoreDumped: ws.CoreDump()}
	}
	return Status{Code: ws.ExitStatus()}
}

// SpawnFunc replaces the library's fork+exec. It has the signature of
// syscall.ForkExec and the same contract: on success the child exists and
// has exec'd argv0; on failure no child is left behind. The returned pid
// must be a direct child of this process, so that the library may reap it.
type SpawnFunc func(argv0 string, argv []string, attr *syscall.ProcAttr) (pid int, err error)

// ChildHooks configures a context's child-process handling.
type ChildHooks struct {
	// Mode chooses who handles SIGCHLD; the zero value is LibraryOwned.
	Mode ChildMode

	// Spawn, when not nil, replaces the library's default spawn
	// (childproc.ForkExec: syscall.ForkExec's contract without its
	// exec-status pipe) for every child the context spawns.
	Spawn SpawnFunc

	// ForeignChild receives, in Always mode, the status of each child the
	// library reaped but did not spawn (orphans adopted by a subreaper,
	// children started by other code). It runs on the loop goroutine.
	// In Always mode it is required; in other modes it is never called.
	ForeignChild func(pid int, status Status)
}
