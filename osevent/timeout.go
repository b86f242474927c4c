package osevent

import (
	"fmt"
	"time"

	"github.com/childloop/childloop/hooks"
)

// Timeout is one one-shot timeout registration generation, returned by
// Registry.RegisterTimeout.
type Timeout struct {
	r      *Registry     // immutable
	fn     func()        // immutable
	target timeoutTarget // immutable; &target is what the application holds

	reg   hooks.Registration // the application's handle; guarded by r.mu
	armed bool               // registered, not fired, not deregistered; guarded by r.mu
	idx   int                // position in r.timeouts while armed; guarded by r.mu
}

// timeoutTarget is the hooks.TimeoutTarget of exactly one Timeout.
type timeoutTarget struct {
	t *Timeout // immutable
}

// RegisterTimeout arms a one-shot timeout that calls fn at deadline;
// the zero time.Time means as soon as possible. It panics if fn is
// nil, and returns [fs.ErrClosed] after Close, [hooks.ErrReentrant] from inside a hook, or
// the hook's error wrapped (nothing is then registered).
func (r *Registry) RegisterTimeout(deadline time.Time, fn func()) (*Timeout, error) {
	if fn == nil {
		panic("osevent: RegisterTimeout with nil callback")
	}
	t := &Timeout{r: r, fn: fn}
	t.target.t = t
	if err := r.lock(); err != nil {
		return nil, err
	}
	defer r.unlock()
	if r.closed {
		return nil, errClosed
	}
	reg, err := r.hookRegisterTimeout(deadline, &t.target)
	if err != nil {
		return nil, fmt.Errorf("osevent: register timeout: %w", err)
	}
	t.reg, t.armed, t.idx = reg, true, len(r.timeouts)
	r.timeouts = append(r.timeouts, t)
	return t, nil
}

// Modify moves the deadline of an armed timeout (the zero time: fire as soon
// as possible). It returns [hooks.ErrNotArmed] after the timeout fired or was
// deregistered, [fs.ErrClosed] after the registry was closed, [hooks.ErrReentrant] from
// inside a hook, or the hook's error wrapped (the old deadline then stands).
func (t *Timeout) Modify(deadline time.Time) error {
	r := t.r
	if err := r.lock(); err != nil {
		return err
	}
	defer r.unlock()
	if !t.armed {
		if r.closed {
			return errClosed
		}
		return errNotArmed
	}
	reg, err := r.hookModifyTimeout(t.reg, deadline)
	if err != nil {
		return fmt.Errorf("osevent: modify timeout: %w", err)
	}
	t.reg = reg
	return nil
}

// Deregister disarms the timeout. It is idempotent and a no-op after the
// timeout fired; it may be called from any callback, including the
// timeout's own, and panics if called from inside a hook.
func (t *Timeout) Deregister() {
	r := t.r
	r.mustLock()
	defer r.unlock()
	if !t.armed {
		return
	}
	reg := t.reg
	r.removeTimeout(t)
	r.hookDeregisterTimeout(reg)
}

// isArmed reports whether the timeout is still registered: not yet fired,
// not deregistered, and the registry not closed.
func (t *Timeout) isArmed() bool {
	t.r.mustLock()
	defer t.r.unlock()
	return t.armed
}

// removeTimeout disarms t and takes it out of r.timeouts. r.mu must be held.
func (r *Registry) removeTimeout(t *Timeout) {
	last := len(r.timeouts) - 1
	r.timeouts[t.idx] = r.timeouts[last]
	r.timeouts[t.idx].idx = t.idx
	r.timeouts[last] = nil
	r.timeouts = r.timeouts[:last]
	t.armed = false
	t.reg = nil
}

// TimeoutOccurred implements hooks.TimeoutTarget. A live occurrence
// consumes the registration (no DeregisterTimeout hook follows) and then
// calls the callback without the registry's lock; a stale one is ignored.
func (tt *timeoutTarget) TimeoutOccurred() error {
	t := tt.t
	r := t.r
	if err := r.lock(); err != nil {
		return err
	}
	if !t.armed {
		r.mu.Unlock()
		return nil
	}
	r.removeTimeout(t)
	r.mu.Unlock()
	t.fn()
	return nil
}
