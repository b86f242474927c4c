package loop

import (
	"time"

	"github.com/childloop/childloop/hooks"
)

// This file implements hooks.OSEvents on *Loop: an fd registration is a
// *Watcher calling the target, a timeout registration a *Timer.

// RegisterFD implements [hooks.OSEvents]: it watches fd and calls
// target.FDOccurred. The Registration is the *Watcher.
func (l *Loop) RegisterFD(fd int, events hooks.Events, target hooks.FDTarget) (hooks.Registration, error) {
	if target == nil {
		return nil, invalid("nil target")
	}
	w, err := l.Watch(fd, events, target.FDOccurred)
	if err != nil {
		return nil, err
	}
	return w, nil
}

// ModifyFD implements [hooks.OSEvents] with [Watcher.Modify].
func (l *Loop) ModifyFD(reg hooks.Registration, fd int, events hooks.Events) (hooks.Registration, error) {
	w, ok := reg.(*Watcher)
	if !ok || w.loop != l || w.fd != fd {
		return reg, invalid("registration %T for fd %d", reg, fd)
	}
	return reg, w.Modify(events)
}

// DeregisterFD implements [hooks.OSEvents] with [Watcher.Stop]; the
// registration alone says which watcher. It ignores a registration that is
// not one of this loop's watchers.
func (l *Loop) DeregisterFD(reg hooks.Registration, fd int) {
	if w, ok := reg.(*Watcher); ok && w.loop == l {
		w.Stop()
	}
}

// RegisterTimeout implements [hooks.OSEvents]: it arms a timer calling
// target.TimeoutOccurred, after taking the timer off the loop. The
// Registration is the *Timer.
func (l *Loop) RegisterTimeout(deadline time.Time, target hooks.TimeoutTarget) (hooks.Registration, error) {
	if target == nil {
		return nil, invalid("nil target")
	}
	t, err := l.AddTimer(deadline, target.TimeoutOccurred)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ModifyTimeout implements [hooks.OSEvents] with [Timer.Reset], except that
// a timeout which already fired (or was deregistered) is not armed again:
// it returns errNotArmed, as osevent's PollArray does. Re-arming it would
// leave a timer the library never deregisters, alive in the loop until its
// deadline even after the library closed. A timeout expired in the
// iteration in progress but not yet fired fires only with the new deadline.
func (l *Loop) ModifyTimeout(reg hooks.Registration, deadline time.Time) (hooks.Registration, error) {
	t, ok := reg.(*Timer)
	if !ok || t.loop != l {
		return reg, invalid("registration %T", reg)
	}
	return reg, t.reset(deadline, false)
}

// DeregisterTimeout implements [hooks.OSEvents] with [Timer.Cancel]: a
// no-op for a timeout that already fired.
func (l *Loop) DeregisterTimeout(reg hooks.Registration) {
	if t, ok := reg.(*Timer); ok && t.loop == l {
		t.Cancel()
	}
}
