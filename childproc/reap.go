package childproc

import (
	"fmt"
	"os"
	"syscall"

	"github.com/childloop/childloop/internal/knob"
)

// reaper finds exited children. Every method is called with ctx.mu held.
type reaper interface {
	// wantsPidfd asks start to request a pidfd from the kernel at fork.
	wantsPidfd() bool
	// forksUnlocked says whether start may fork without ctx.mu: true when
	// an exit before the child is recorded cannot be lost or claimed by
	// someone else (see Parent.start).
	forksUnlocked() bool
	// needsSigchld says whether the strategy learns of exits through the
	// SIGCHLD self-pipe (or, with ModeApp, SigchldOccurred).
	needsSigchld() bool
	// added is told about a new child (already in ctx.children).
	added(ch *Child) error
	// removed is told that ch has left ctx.children.
	removed(ch *Child)
	// flush releases what removed deferred until after the callbacks.
	flush()
	// treeEnded is told that ch's tree was ended (its leftovers killed),
	// just before its callbacks: a zombie kept so that its pid stayed
	// reserved meanwhile is reaped now, so that the callbacks, and
	// whatever they release, see the child gone as with any other.
	treeEnded(ch *Child)
	// collect reaps every child that is ready, calls ctx.forgetLocked for
	// each, and appends the exits to out.
	collect(out []exit) []exit
	// collectNew is collect after ch was just added: where a pass costs
	// O(children), only ch is looked at (nothing else changed).
	collectNew(ch *Child, out []exit) []exit
	close()
}

func newReaper(c *Parent) (reaper, error) {
	if c.mode == ModeReapAll {
		return &anyReaper{c: c}, nil
	}
	switch c.strategy {
	case knob.StrategyAuto:
		if pidfdSupported() && c.mode != ModeApp {
			return newPidfdReaper(c)
		}
		return &scanReaper{c: c}, nil
	case knob.StrategyScan:
		return &scanReaper{c: c}, nil
	case knob.StrategyPidfd:
		if !pidfdSupported() {
			return nil, fmt.Errorf("childproc: pidfd reaping: %w", errPidfdUnsupported)
		}
		return newPidfdReaper(c)
	}
	return nil, invalid("reap strategy %v", c.strategy)
}

// lostStatus is the status of a child whose exit status a wait call could
// not collect (ECHILD: someone else reaped it). Both ErrStatusLost and the
// errno stay in the chain for errors.Is.
func lostStatus(call string, err error) Status {
	return Status{Err: fmt.Errorf("%w: %w", ErrStatusLost, os.NewSyscallError(call, err))}
}

// wait4 is wait4(2), retried on EINTR, returning the child's status with
// its resource usage, which the same call reports. wpid is 0 when WNOHANG
// found no exited child. ru stays on the stack: the exit path allocates
// nothing for it.
func wait4(pid, options int) (wpid int, st Status, err error) {
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	for {
		wpid, err = syscall.Wait4(pid, &ws, options, &ru)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil || wpid <= 0:
			return wpid, Status{}, err
		}
		st = statusFromWait(ws)
		st.Usage = usageOf(&ru)
		return wpid, st, nil
	}
}

// reapPid collects pid's status without blocking. done is false while the
// child runs. ECHILD (something else reaped it) is a status of its own:
// never a silent drop.
func reapPid(pid int) (st Status, done bool) {
	wpid, st, err := wait4(pid, syscall.WNOHANG)
	switch {
	case err != nil:
		return lostStatus("wait4", err), true
	case wpid == 0:
		return Status{}, false
	}
	return st, true
}

// scanReaper is the portable strategy: wait4(pid, WNOHANG) for every child.
type scanReaper struct{ c *Parent }

func (r *scanReaper) wantsPidfd() bool { return false }

// forksUnlocked: a pass that ran while the child was unrecorded is detected
// and repeated (Parent.start). Not with ModeApp, where the application
// may reap with wait4(-1) and hand Reaped a pid not yet recorded.
func (r *scanReaper) forksUnlocked() bool { return r.c.mode != ModeApp }

func (r *scanReaper) needsSigchld() bool { return true }
func (r *scanReaper) added(*Child) error { return nil }
func (r *scanReaper) removed(*Child)     {}
func (r *scanReaper) flush()             {}
func (r *scanReaper) treeEnded(*Child)   {}
func (r *scanReaper) close()             {}

func (r *scanReaper) collectNew(ch *Child, out []exit) []exit {
	if st, done := reapPid(ch.pid); done {
		r.c.forgetLocked(ch, st)
		out = append(out, exit{ch: ch, pid: ch.pid, st: st})
	}
	return out
}

func (r *scanReaper) collect(out []exit) []exit {
	// forgetLocked deletes from the map being ranged over, which Go allows.
	for _, ch := range r.c.children {
		if st, done := reapPid(ch.pid); done {
			r.c.forgetLocked(ch, st)
			out = append(out, exit{ch: ch, pid: ch.pid, st: st})
		}
	}
	return out
}

// anyReaper is ModeReapAll: wait4(-1, WNOHANG) until nothing is ready;
// pids that are not ours go to the OnForeignExit callback.
type anyReaper struct{ c *Parent }

func (r *anyReaper) wantsPidfd() bool { return false }

// forksUnlocked: wait4(-1) would reap an unrecorded child as foreign.
func (r *anyReaper) forksUnlocked() bool { return false }

func (r *anyReaper) needsSigchld() bool { return true }
func (r *anyReaper) added(*Child) error { return nil }
func (r *anyReaper) removed(*Child)     {}
func (r *anyReaper) flush()             {}
func (r *anyReaper) treeEnded(*Child)   {}
func (r *anyReaper) close()             {}

func (r *anyReaper) collectNew(_ *Child, out []exit) []exit { return r.collect(out) }

func (r *anyReaper) collect(out []exit) []exit {
	for {
		pid, st, err := wait4(-1, syscall.WNOHANG)
		if err != nil || pid <= 0 {
			return out
		}
		if ch := r.c.children[pid]; ch != nil {
			r.c.forgetLocked(ch, st)
			out = append(out, exit{ch: ch, pid: pid, st: st})
		} else {
			out = append(out, exit{pid: pid, st: st})
		}
	}
}
