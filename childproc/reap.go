package childproc

import (
	"fmt"
	"os"
	"syscall"

	"github.com/childloop/childloop/internal/knob"
)

// reaper finds exited children, as the runtime's netpoll backends find
// ready fds: the Parent owns the children map, the SIGCHLD subscription and
// each child's final Status; a reaper keeps only what it needs to find
// exits. Every method is called with the parent's mu held.
type reaper interface {
	// add starts watching ch, a live child the parent has just recorded.
	// sigchld reports that ch's exit will be heard only through SIGCHLD,
	// which the parent must then listen to.
	add(ch *Child) (sigchld bool, err error)
	// remove stops watching ch, which the parent lets go without collect
	// having reported it (Close, Disown, Reaped, a failed record).
	remove(ch *Child)
	// collect reaps the children that exited — only ch when only is not
	// nil, just added while nothing else changed — stops watching them,
	// and appends them to out.
	collect(only *Child, out []exit) []exit
	// close stops watching everything and releases the reaper's fds.
	close()
}

// reaperTraits are what a reaper asks of Parent.start, fixed at New.
type reaperTraits struct {
	pidfd    bool // ask the kernel for a pidfd at fork
	unlocked bool // forks may run without mu: an exit before the record is neither lost nor claimed (see Parent.start)
	sigchld  bool // every exit is heard through SIGCHLD: listen before forking
}

// exit is one collected death: a child of ours (ch != nil) or, with
// ModeReapAll, a foreign pid.
type exit struct {
	ch  *Child
	pid int
	st  Status
	// kept: the zombie was only peeked (WNOWAIT), so that its pid stays
	// reserved until the child's tree has ended; the parent reaps it then.
	kept bool
}

func newReaper(c *Parent) (reaper, reaperTraits, error) {
	// ModeApp: the application may reap with wait4(-1) and hand Reaped a
	// pid not yet recorded, so forks hold mu.
	unlocked := c.mode != ModeApp
	if c.mode == ModeReapAll {
		// wait4(-1) would reap an unrecorded child as foreign.
		return &anyReaper{kids: make(map[int]*Child)}, reaperTraits{sigchld: true}, nil
	}
	if c.mode == ModeOrphans {
		r, err := newOrphanReaper(c.reg, c.pidfdReady)
		return r, reaperTraits{pidfd: true, unlocked: true, sigchld: true}, err
	}
	pidfd := false
	switch c.strategy {
	case knob.StrategyAuto:
		pidfd = pidfdSupported() && c.mode != ModeApp
	case knob.StrategyPidfd:
		if !pidfdSupported() {
			return nil, reaperTraits{}, fmt.Errorf("childproc: pidfd reaping: %w", errPidfdUnsupported)
		}
		pidfd = true
	case knob.StrategyScan:
	default:
		return nil, reaperTraits{}, invalid("reap strategy %v", c.strategy)
	}
	if !pidfd {
		return newScanReaper(), reaperTraits{unlocked: unlocked, sigchld: true}, nil
	}
	reg := c.reg
	if c.mode == ModeApp {
		reg = nil
	}
	r, err := newPidfdReaper(reg, c.pidfdReady)
	return r, reaperTraits{pidfd: true, unlocked: unlocked}, err
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

// reapZombie reaps pid, a zombie whose status was already read.
func reapZombie(pid int) {
	var ws syscall.WaitStatus
	for {
		if _, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); err != syscall.EINTR {
			return
		}
	}
}

// scanReaper is the portable strategy: wait4(pid, WNOHANG) for every
// child on every SIGCHLD.
type scanReaper struct{ kids map[int]*Child }

func newScanReaper() *scanReaper { return &scanReaper{kids: make(map[int]*Child)} }

func (r *scanReaper) add(ch *Child) (bool, error) {
	r.kids[ch.pid] = ch
	return true, nil
}

func (r *scanReaper) remove(ch *Child) { delete(r.kids, ch.pid) }

func (r *scanReaper) collect(only *Child, out []exit) []exit {
	if only != nil {
		if r.kids[only.pid] == only {
			out = r.look(only, out)
		}
		return out
	}
	for _, ch := range r.kids {
		out = r.look(ch, out) // deleting while ranging is allowed
	}
	return out
}

func (r *scanReaper) look(ch *Child, out []exit) []exit {
	if st, done := reapPid(ch.pid); done {
		delete(r.kids, ch.pid)
		out = append(out, exit{ch: ch, pid: ch.pid, st: st})
	}
	return out
}

func (r *scanReaper) close() { clear(r.kids) }

// anyReaper is ModeReapAll: wait4(-1, WNOHANG) until nothing is ready;
// pids that are not ours are reported as foreign.
type anyReaper struct{ kids map[int]*Child }

func (r *anyReaper) add(ch *Child) (bool, error) {
	r.kids[ch.pid] = ch
	return true, nil
}

func (r *anyReaper) remove(ch *Child) { delete(r.kids, ch.pid) }

// collect ignores only: any exit may be waiting, ours or not.
func (r *anyReaper) collect(_ *Child, out []exit) []exit {
	for {
		pid, st, err := wait4(-1, syscall.WNOHANG)
		if err != nil || pid <= 0 {
			return out
		}
		ch := r.kids[pid]
		delete(r.kids, pid)
		out = append(out, exit{ch: ch, pid: pid, st: st})
	}
}

func (r *anyReaper) close() { clear(r.kids) }
