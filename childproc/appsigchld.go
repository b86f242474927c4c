package childproc

import (
	"fmt"
	"syscall"
)

// SigchldOccurred tells a parent with ModeApp that the application saw
// SIGCHLD. The parent reaps those of its own children that have exited (and
// no other process) and runs their death callbacks on the calling goroutine
// before returning. Calling it spuriously is harmless.
//
// Do not combine it with an application reaper that calls wait4(-1): a child
// the application reaped first would be reported here with ErrStatusLost;
// feed such statuses to Reaped instead.
func (c *Parent) SigchldOccurred() error {
	if err := c.lockAppSigchld(); err != nil {
		return err
	}
	c.collectUnlock(nil)
	return nil
}

// Reaped tells a parent with ModeApp that the application reaped pid
// itself with status ws. If pid is one of the parent's children its death
// callback runs on the calling goroutine before Reaped returns; otherwise
// Reaped returns ErrUnknownChild and nothing changes, so an application can
// offer every status it reaps to each of its parents in turn.
//
// A WaitStatus carries no resource use: the callback's Status.Usage is
// zero. SigchldOccurred, which reaps itself, fills it in.
func (c *Parent) Reaped(pid int, ws syscall.WaitStatus) error {
	if err := c.lockAppSigchld(); err != nil {
		return err
	}
	ch := c.children[pid]
	if ch == nil {
		c.mu.Unlock()
		return fmt.Errorf("%w: pid %d", ErrUnknownChild, pid)
	}
	c.reaper.remove(ch)
	c.exitedLocked(ch, statusFromWait(ws), false)
	c.retireCellsLocked()
	c.mu.Unlock()
	if !c.closed.Load() {
		c.deliver(ch)
	}
	return nil
}

// lockAppSigchld takes c.mu for a ModeApp entry point; on error it is not
// held. Calling one on a parent whose SIGCHLD the library owns is a misuse
// (the library would race the application for the same exits).
func (c *Parent) lockAppSigchld() error {
	c.mu.Lock()
	err := c.usableLocked()
	if err == nil && c.mode != ModeApp {
		err = invalid("SigchldOccurred and Reaped need Config.Mode ModeApp")
	}
	if err != nil {
		c.mu.Unlock()
	}
	return err
}
