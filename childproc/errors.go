package childproc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Sentinel errors. Every error the package returns wraps one of these, a
// standard sentinel, or an *os.SyscallError naming the failing call, so
// callers can classify it with errors.Is or errors.As:
//
//   - a closed Parent: fs.ErrClosed;
//   - bad input (an invalid Config, empty argv, a nil ExtraFiles entry, a
//     pid that cannot be adopted, a bad Steps argument, SigchldOccurred or
//     Reaped on a parent whose SIGCHLD the library owns): os.ErrInvalid;
//   - Signal, Kill or Disown of a child already reaped: os.ErrProcessDone;
//   - a feature this platform or kernel lacks: errors.ErrUnsupported;
//   - a missing executable: exec.ErrNotFound (looked up in PATH) or
//     fs.ErrNotExist (from execve).
var (
	// ErrUnknownChild is returned by Reaped for a pid that is not a live
	// child of the context.
	ErrUnknownChild = errors.New("childproc: not a child of this parent")

	// ErrReapAllInUse is returned by New for a second parent with
	// ModeReapAll while another one is open: only one parent may reap
	// every child of the process.
	ErrReapAllInUse = errors.New("childproc: another parent already reaps every child")

	// ErrStatusLost is wrapped in Status.Err when a child's exit status
	// could not be collected because something outside the library reaped
	// it (waitid or wait4 said ECHILD).
	ErrStatusLost = errors.New("childproc: exit status lost (reaped elsewhere)")

	// ErrDisowned is the Status.Err of a child released with Disown.
	ErrDisowned = errors.New("childproc: child disowned")

	// ErrStopped is wrapped in the Status.Cause of a child ended by
	// Child.Stop.
	ErrStopped = errors.New("childproc: child stopped")

	// ErrForked is returned by every method of a Parent that was
	// inherited across a fork after noexec.PostforkChild: it belongs to the
	// parent.
	ErrForked = errors.New("childproc: parent inherited across fork")
)

// errClosed is what a closed Parent's methods return.
var errClosed = fmt.Errorf("childproc: parent %w", fs.ErrClosed)

// invalid returns an error wrapping os.ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("childproc: %w: %s", os.ErrInvalid, fmt.Sprintf(format, args...))
}
