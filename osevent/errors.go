package osevent

import "errors"

// Errors returned by the registry and the poll array. Hook errors are
// returned wrapped and can be matched with errors.Is.
var (
	// ErrReentrant reports an entry point called from inside a hook on the
	// goroutine that is running the hook.
	ErrReentrant = errors.New("osevent: occurrence delivered from inside a hook")

	// ErrClosed reports use of a closed Registry or PollArray.
	ErrClosed = errors.New("osevent: registry closed")

	// ErrBadFD reports a negative file descriptor.
	ErrBadFD = errors.New("osevent: bad file descriptor")

	// ErrBadEvents reports an event mask with bits outside hooks.Requestable.
	ErrBadEvents = errors.New("osevent: event mask outside hooks.Requestable")

	// ErrNotArmed reports Modify on a registration that is no longer live:
	// a timeout that already fired, or an fd or timeout that was
	// deregistered.
	ErrNotArmed = errors.New("osevent: registration not armed")

	// ErrPollMismatch reports an AfterPoll array shorter than the one the
	// last BeforePoll returned, or one whose library slots were moved.
	ErrPollMismatch = errors.New("osevent: AfterPoll array does not match BeforePoll")
)
