package childproc

import "errors"

// Sentinel errors. Errors returned by the package wrap one of these (or a
// system-call error naming the call) so callers can test with errors.Is.
var (
	// ErrClosed is returned by every method of a closed Context.
	ErrClosed = errors.New("childproc: context closed")

	// ErrWrongMode is returned by SigchldOccurred and Reaped outside
	// Mainloop mode, where the library owns SIGCHLD handling.
	ErrWrongMode = errors.New("childproc: operation needs Mainloop mode")

	// ErrUnknownChild is returned by Reaped for a pid that is not a live
	// child of the context.
	ErrUnknownChild = errors.New("childproc: not a child of this context")

	// ErrAlwaysTaken is returned by New for a second Always-mode context
	// while another one is open: only one context may reap every child.
	ErrAlwaysTaken = errors.New("childproc: another Always-mode context exists")

	// ErrBadConfig is returned by New for an invalid Config (unknown mode,
	// Always without a ForeignChild callback).
	ErrBadConfig = errors.New("childproc: invalid configuration")

	// ErrEmptyArgv is returned by Spawn when Cmd.Args is empty.
	ErrEmptyArgv = errors.New("childproc: empty argv")

	// ErrExited is returned by Child.Signal once the child has been reaped:
	// its pid may already belong to another process.
	ErrExited = errors.New("childproc: child already exited")

	// ErrStatusLost is wrapped in Status.Err when a child's exit status
	// could not be collected because something outside the library reaped
	// it (waitid or wait4 said ECHILD).
	ErrStatusLost = errors.New("childproc: exit status lost (reaped elsewhere)")

	// ErrDisowned is the Status.Err of a child released with Disown.
	ErrDisowned = errors.New("childproc: child disowned")

	// ErrForked is returned by every method of a Context that was inherited
	// across a fork after PostforkChildNoexec: it belongs to the parent.
	ErrForked = errors.New("childproc: context inherited across fork")
)
