package hooks

import "errors"

// Errors that belong to the contract itself, shared by every implementation
// of it (the reference loop, osevent's PollArray) and by the library side.
var (
	// ErrReentrant is wrapped by the error an occurrence entry point
	// (FDTarget.FDOccurred, TimeoutTarget.TimeoutOccurred) or a library call
	// returns when it is made from inside a hook on the goroutine running
	// the hook (rule 1 of the package documentation).
	ErrReentrant = errors.New("hooks: library entered from inside a hook")

	// ErrNotArmed is wrapped by the error ModifyTimeout (and the library's
	// own Modify methods) return for a registration that is no longer
	// live: a timeout that already fired, or a registration that was
	// deregistered.
	ErrNotArmed = errors.New("hooks: registration not armed (fired or deregistered)")
)
