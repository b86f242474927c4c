package childproc

import (
	"fmt"

	"github.com/childloop/childloop/noexec"
)

// ForkNoexec forks a child that does not run Go code and makes it a child
// of the parent, like Spawn: onExit runs once, on the loop goroutine, when
// the child has been reaped. The child calls noexec.PostforkChild, runs
// steps with a //go:nosplit interpreter, and exits (with 0 if the steps
// neither Exec nor Exit; see noexec.Steps for the exit codes of failed
// steps).
//
// The child is recorded before the parent's mutex is released, so no
// reaper of the parent (a ModeReapAll parent's wait4(-1) included) can see it
// unrecorded: with steps that Setsid and Fork, the classic double-fork
// daemon, the middle child's exit reaches onExit, and in a subreaper with
// ModeReapAll the daemon's eventual exit reaches OnForeignExit. An application
// reaper of a ModeApp parent, which runs outside the library, hands
// the status to Reaped, which waits for the record. Use this rather than
// noexec's Start and Adopt (see Adopt for that window).
//
// It panics if steps or onExit is nil; an invalid step gives an error
// wrapping os.ErrInvalid; on systems other than Linux it returns an error
// wrapping errors.ErrUnsupported.
func (c *Parent) ForkNoexec(steps *noexec.Steps, onExit func(*Child, Status)) (*Child, error) {
	if steps == nil || onExit == nil {
		panic("childproc: ForkNoexec with nil Steps or nil callback")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usableLocked(); err != nil {
		return nil, err
	}
	if err := c.hearsLocked(); err != nil {
		return nil, fmt.Errorf("childproc: fork: %w", err)
	}
	if err := c.joinLocked(); err != nil {
		return nil, err
	}
	pid, err := steps.Start()
	if err != nil {
		c.maybeLeaveLocked()
		return nil, err
	}
	// A SIGCHLD of this child that came before the record left a byte in
	// the self-pipe (the parent joined before forking); the pass it causes
	// waits for c.mu and so sees the record. A pidfd opened by the reaper
	// for a child that already exited is readable at once.
	return c.adoptLocked(pid, -1, true, onExit, nil)
}
