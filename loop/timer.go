package loop

import (
	"time"

	"github.com/childloop/childloop/internal/timerheap"
)

// Timer is a one-shot timer of a Loop. It may be re-armed with Reset after
// it fired or was cancelled.
type Timer struct {
	loop *Loop        // immutable after AddTimer
	fn   func() error // immutable after AddTimer

	tm    timerheap.Timer // deadline and place in loop.timers; guarded by loop.mu
	state timerState      // guarded by loop.mu
}

// timerOf is the heap's accessor.
func timerOf(t *Timer) *timerheap.Timer { return &t.tm }

type timerState uint8

const (
	timerIdle    timerState = iota // fired, cancelled or never armed
	timerArmed                     // in loop.timers
	timerExpired                   // taken off the heap by this iteration, not yet fired: in Loop.fire
)

// AddTimer arms a timer calling fn on the loop goroutine once deadline has
// passed. The zero deadline (time.Time{}: as soon as possible) and past
// deadlines fire on the next iteration. A non-nil error from fn ends Run
// (see the package documentation).
func (l *Loop) AddTimer(deadline time.Time, fn func() error) (*Timer, error) {
	if fn == nil {
		return nil, invalid("nil callback")
	}
	t := &Timer{loop: l, fn: fn}
	if err := t.Reset(deadline); err != nil {
		return nil, err
	}
	return t, nil
}

// Reset (re-)arms the timer for deadline, whether it is armed, expired in
// the iteration in progress, fired or cancelled. It fires once.
func (t *Timer) Reset(deadline time.Time) error {
	return t.reset(deadline, true)
}

// reset is Reset; with idleToo false it refuses (errNotArmed) a timer that
// fired or was cancelled.
func (t *Timer) reset(deadline time.Time, idleToo bool) error {
	l := t.loop
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return errClosed
	}
	if !idleToo && t.state == timerIdle {
		return errNotArmed
	}
	l.rearmLocked(t, deadline)
	l.changedLocked(t.tm.First())
	return nil
}

// rearmLocked puts t in the heap with deadline. An expired timer leaves the
// expired state, so its entry in Loop.fire is ignored.
func (l *Loop) rearmLocked(t *Timer, deadline time.Time) {
	t.state = timerArmed
	l.timers.Arm(t, deadline)
}

// Cancel disarms the timer. It reports whether that prevented a firing
// (false if it had already fired, been cancelled, or the loop is closed).
func (t *Timer) Cancel() bool {
	l := t.loop
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		// Close disarmed it already; one expired in the iteration that
		// Close ended is never fired either.
		return false
	}
	switch t.state {
	case timerArmed:
		l.timers.Remove(t)
	case timerIdle:
		return false
	}
	t.state = timerIdle
	// A wait that may now end too early is harmless: no wake needed.
	return true
}

// expireLocked moves the timers that are due from the heap to l.fire.
func (l *Loop) expireLocked() {
	if l.timers.Len() == 0 {
		return
	}
	now := time.Now()
	for {
		t, ok := l.timers.PopDue(now)
		if !ok {
			return
		}
		t.state = timerExpired
		l.fire = append(l.fire, t)
	}
}
