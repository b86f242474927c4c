//go:build unix

package osevent

import (
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/sysfd"
	"golang.org/x/sys/unix"
)

// Masks convert to and from poll bits by plain conversion: the bits are
// equal (checked at compile time in internal/sysfd).

// BeforePoll appends the wake fd and one entry per fd registration with a
// non-empty mask to fds, after the application's own entries, and returns
// the extended slice (reallocated by append when its capacity is too small)
// and timeoutMs lowered to the earliest armed deadline: -1 (infinite) stays
// -1 without timeouts, and a zero or past deadline gives 0. now is the
// current time (time.Now()). It records which registration each appended
// entry belongs to, for the next AfterPoll.
func (p *PollArray) BeforePoll(fds []unix.PollFd, timeoutMs int, now time.Time) ([]unix.PollFd, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fds, timeoutMs
	}
	p.round++
	p.inPoll = true
	p.base = len(fds)
	fds = append(fds, unix.PollFd{Fd: int32(p.wake.R), Events: unix.POLLIN})
	clear(p.slots)
	p.slots = p.slots[:0]
	for _, f := range p.fds {
		if f.events == 0 {
			continue
		}
		fds = append(fds, unix.PollFd{Fd: int32(f.fd), Events: int16(f.events)})
		p.slots = append(p.slots, f)
	}
	if next, ok := p.timers.Next(); ok {
		timeoutMs = lowerTimeout(timeoutMs, next, now)
	}
	return fds, timeoutMs
}

// lowerTimeout returns the smaller of ms (-1: infinite) and the time from
// now to deadline, rounded up to whole milliseconds so that the poll does
// not return just before the deadline and spin.
func lowerTimeout(ms int, deadline, now time.Time) int {
	want := sysfd.PollTimeoutMs(deadline.Sub(now))
	if ms < 0 || want < ms {
		return want
	}
	return ms
}

// AfterPoll dispatches the results of the poll on the array returned by the
// last BeforePoll (the application's own entries in front are not
// touched): it drains the wake fd, calls the target of every slot whose
// registration is still the same live registration and still names the fd
// in the slot, with revents masked by the current events plus Fault, Hup and
// Nval, and then fires the timeouts whose deadline is not after now, in
// deadline order. Targets are called without the PollArray's lock, so they
// may change registrations; a registration removed by an earlier callback
// gets nothing, and a timeout armed or re-armed during this AfterPoll fires
// in a later round at the earliest. It returns [os.ErrInvalid] if fds is not
// the array of the last BeforePoll, [fs.ErrClosed] after Close, and otherwise
// the first error a target returned.
func (p *PollArray) AfterPoll(fds []unix.PollFd, now time.Time) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errClosed
	}
	var firstErr error
	if p.inPoll {
		p.inPoll = false
		base, n, round := p.base, len(p.slots), p.round
		if len(fds) < base+1+n || fds[base].Fd != int32(p.wake.R) {
			p.mu.Unlock()
			return errPollMismatch
		}
		if fds[base].Revents != 0 {
			p.wake.Drain()
		}
		p.mu.Unlock()
		for i := range n {
			if fds[base+1+i].Revents == 0 {
				continue
			}
			if err := p.dispatchSlot(i, round, &fds[base+1+i]); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	} else {
		p.mu.Unlock()
	}
	if err := p.fireTimeouts(now); err != nil && firstErr == nil {
		firstErr = err
	}
	return firstErr
}

// dispatchSlot delivers the result in pfd for slot i of the given round, if
// the slot's registration is still live and the entry still names its fd.
func (p *PollArray) dispatchSlot(i int, round uint64, pfd *unix.PollFd) error {
	p.mu.Lock()
	if p.round != round || p.closed {
		// A callback ran a nested BeforePoll or closed the array:
		// the snapshot is gone, and so is any claim to these results.
		p.mu.Unlock()
		return nil
	}
	f := p.slots[i] // slots only change in BeforePoll, which bumps round
	revents := hooks.Events(pfd.Revents) & (f.events | hooks.Fault | hooks.Hup | hooks.Nval)
	if !f.live || f.events == 0 || pfd.Fd != int32(f.fd) || revents == 0 {
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	return f.target.FDOccurred(f.fd, revents)
}

// fireTimeouts takes every armed timeout whose deadline is not after now out
// of the heap, in deadline order, and delivers each one that is still due
// when its turn comes (an earlier callback may have deregistered or
// modified it).
func (p *PollArray) fireTimeouts(now time.Time) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	if next, ok := p.timers.Next(); !ok || next.After(now) {
		p.mu.Unlock()
		return nil
	}
	due := p.due[:0]
	p.due = nil // lent out: a nested AfterPoll allocates its own
	for {
		t, ok := p.timers.PopDue(now)
		if !ok {
			break
		}
		t.state = timeoutDue
		p.nDue++
		due = append(due, t)
	}
	p.mu.Unlock()
	var firstErr error
	for i, t := range due {
		due[i] = nil
		p.mu.Lock()
		fire := t.state == timeoutDue
		if fire {
			t.state = timeoutDead
			p.nDue--
		}
		p.mu.Unlock()
		if fire {
			if err := t.target.TimeoutOccurred(); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	}
	p.mu.Lock()
	p.due = due[:0]
	p.mu.Unlock()
	return firstErr
}
