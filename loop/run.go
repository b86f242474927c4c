package loop

// How one iteration stays correct with registrations from any goroutine.
//
// All registration state (fd entries, watcher masks, the timer heap, the
// poll array's source map) is guarded by Loop.mu. The loop goroutine holds
// mu only to prepare a wait (compute the timeout, rebuild the poll array,
// advance round, set polling) and, after the wait, to turn the kernel's
// events into a list of (watcher, revents) and a list of expired timers. It
// never holds mu in the system call or in a callback.
//
// Wakeups: polling is true from the moment the wait is prepared until mu is
// taken again after it. A change made under mu while polling is false will
// be seen by the next prepare; a change made while polling is true that the
// kernel cannot see by itself (a new earliest timer; any fd change with
// poll, whose array was copied at prepare) writes the wake fd. The wake fd
// (a sysfd.Collapsing) collapses writes until the loop drains it; every
// write and the drain happen under mu.
//
// Stale events: an event carries the generation of the fd's entry (epoll's
// data word; poll's array slot), so an event from a registration that has
// been replaced, even by a new file with the same fd number, is dropped at
// collection. Watchers registered after the wait began (born == round) are
// skipped at collection; watchers stopped or modified after collection are
// re-checked under mu just before each callback. Timers are taken off the
// heap at collection (state expired) and fire only if still expired when
// their turn comes, so a Cancel or Reset by an earlier callback wins.

import (
	"errors"
	"time"

	"github.com/childloop/childloop/internal/sysfd"
)

// Run runs iterations until Stop is called, the loop is closed, or a
// callback returns an error (which Run returns). It returns nil after Stop
// or Close during the run, and errClosed if the loop was already closed.
// Run and RunOnce must not run concurrently or be called from a callback;
// they panic if they are.
func (l *Loop) Run() error {
	l.enter()
	defer l.running.Store(false)
	if l.closed.Load() {
		return errClosed
	}
	for !l.stopReq.Swap(false) {
		if err := l.iterate(true); err != nil {
			if err == errClosed { // closed between iterations
				return nil
			}
			return err
		}
	}
	return nil
}

// RunOnce runs one iteration: it waits for fd events (if block is true,
// until an fd is ready, the earliest timer is due, or Wake, Stop or a
// registration change from another goroutine; if false, not at all), then
// runs the callbacks of the ready watchers followed by those of the due
// timers. A blocking wait interrupted by a signal (EINTR, as the Go
// runtime's preemption signals cause) returns nil having run nothing, so
// callers loop, as Run does. It returns the callbacks' errors, errClosed
// if the loop is closed, or the wait's system call error.
func (l *Loop) RunOnce(block bool) error {
	l.enter()
	defer l.running.Store(false)
	return l.iterate(block)
}

func (l *Loop) enter() {
	if !l.running.CompareAndSwap(false, true) {
		panic("loop: Run or RunOnce called concurrently or from a callback")
	}
}

// iterate is one wait and dispatch round; loop goroutine only.
func (l *Loop) iterate(block bool) error {
	l.mu.Lock()
	if l.closed.Load() {
		l.mu.Unlock()
		return errClosed
	}
	l.requeueLocked()
	timeout := 0
	if block {
		timeout = l.timeoutLocked()
	}
	l.poller.prepare(l.fds)
	l.round++
	round := l.round
	l.polling = true
	l.mu.Unlock()

	n, err := l.poller.wait(timeout)

	l.mu.Lock()
	l.polling = false
	if l.closed.Load() {
		l.cond.Broadcast() // Close is waiting for us to leave the wait
		l.mu.Unlock()
		return nil
	}
	if err != nil {
		l.mu.Unlock()
		return err
	}
	for i := 0; i < n; i++ {
		fd, gen, revents := l.poller.event(i)
		if gen == 0 {
			// Every write happens under mu, which we hold, so none
			// can slip in while Drain re-enables them.
			l.wake.Drain()
			continue
		}
		e := l.fds[fd]
		if e == nil || e.gen != gen {
			continue // fd deregistered (and maybe reused) since the wait
		}
		for _, w := range e.watchers {
			if w.born < round { // not registered during this wait
				l.ready = append(l.ready, readyFD{w, revents})
			}
		}
	}
	l.expireLocked()
	l.mu.Unlock()
	return l.dispatch()
}

// dispatch runs the callbacks collected by iterate, re-checking under mu
// before each one that the watcher or timer still wants it; loop goroutine
// only. Entries are cleared as they are consumed so that requeueLocked can
// recover after a callback panicked.
func (l *Loop) dispatch() error {
	for i := range l.ready {
		r := l.ready[i]
		l.ready[i] = readyFD{}
		w := r.w
		l.mu.Lock()
		ev := r.revents & (w.mask | reported)
		ok := w.active && w.mask != 0 && ev != 0 // Close deactivates every watcher
		l.mu.Unlock()
		if ok {
			if err := w.fn(w.fd, ev); err != nil {
				l.errs = append(l.errs, err)
			}
		}
	}
	l.ready = l.ready[:0]
	for i, t := range l.fire {
		l.fire[i] = nil
		l.mu.Lock()
		ok := t.state == timerExpired // not cancelled or reset by an earlier callback
		if ok {
			t.state = timerIdle // fired timers are gone before their callback runs
			ok = !l.closed.Load()
		}
		l.mu.Unlock()
		if ok {
			if err := t.fn(); err != nil {
				l.errs = append(l.errs, err)
			}
		}
	}
	l.fire = l.fire[:0]
	if len(l.errs) == 0 {
		return nil
	}
	err := l.errs[0]
	if len(l.errs) > 1 {
		err = errors.Join(l.errs...)
	}
	clear(l.errs)
	l.errs = l.errs[:0]
	return err
}

// requeueLocked recovers from a callback that panicked out of dispatch:
// timers that expired but had not fired are armed again (they fire on this
// iteration without waiting); fd events are dropped (level-triggered, they
// are reported again).
func (l *Loop) requeueLocked() {
	clear(l.ready)
	l.ready = l.ready[:0]
	for _, t := range l.fire {
		if t != nil && t.state == timerExpired {
			t.state = timerIdle
			l.rearmLocked(t, t.tm.Deadline())
		}
	}
	clear(l.fire)
	l.fire = l.fire[:0]
	clear(l.errs)
	l.errs = l.errs[:0]
}

// timeoutLocked is the wait timeout in milliseconds for the earliest timer
// (-1: no timer), rounded up so that the loop does not wake just before it.
func (l *Loop) timeoutLocked() int {
	next, ok := l.timers.Next()
	if !ok {
		return -1
	}
	return sysfd.PollTimeoutMs(time.Until(next))
}
