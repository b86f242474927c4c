package osevent

import (
	"fmt"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/sysfd"
)

// FD is one fd registration generation, returned by Registry.RegisterFD.
type FD struct {
	r      *Registry                          // immutable
	fd     int                                // immutable
	fn     func(fd int, revents hooks.Events) // immutable
	target fdTarget                           // immutable; &target is what the application holds

	events hooks.Events       // current mask; guarded by r.mu
	reg    hooks.Registration // the application's handle; guarded by r.mu
	live   bool               // registered and not yet deregistered; guarded by r.mu
	idx    int                // position in r.fds while live; guarded by r.mu
}

// fdTarget is the hooks.FDTarget of exactly one FD generation.
type fdTarget struct {
	f *FD // immutable
}

// RegisterFD asks the application to watch fd for events and to call fn on
// readiness, with revents the reported bits within the registration's
// events plus Fault, Hup and Nval (never zero). events may be empty. It
// panics if fn is nil. Its errors wrap [os.ErrInvalid] for a negative fd or
// bits other than In, Pri and Out, [fs.ErrClosed] after Close,
// [hooks.ErrReentrant] from inside a hook, or the hook's error (nothing is
// then registered).
func (r *Registry) RegisterFD(fd int, events hooks.Events, fn func(fd int, revents hooks.Events)) (*FD, error) {
	if fn == nil {
		panic("osevent: RegisterFD with nil callback")
	}
	if fd < 0 {
		return nil, errBadFD
	}
	if events&^sysfd.Requestable != 0 {
		return nil, errBadEvents
	}
	f := &FD{r: r, fd: fd, fn: fn, events: events}
	f.target.f = f
	if err := r.lock(); err != nil {
		return nil, err
	}
	defer r.unlock()
	if r.closed {
		return nil, errClosed
	}
	reg, err := r.hookRegisterFD(fd, events, &f.target)
	if err != nil {
		return nil, fmt.Errorf("osevent: register fd %d: %w", fd, err)
	}
	f.reg, f.live, f.idx = reg, true, len(r.fds)
	r.fds = append(r.fds, f)
	return f, nil
}

// Modify changes the event mask; an empty mask suspends delivery. On a hook
// error the old mask stays and the error is returned wrapped. It returns
// [os.ErrInvalid], [fs.ErrClosed] after the registry was closed, [hooks.ErrNotArmed] after
// Deregister, and [hooks.ErrReentrant] from inside a hook.
func (f *FD) Modify(events hooks.Events) error {
	if events&^sysfd.Requestable != 0 {
		return errBadEvents
	}
	r := f.r
	if err := r.lock(); err != nil {
		return err
	}
	defer r.unlock()
	if !f.live {
		if r.closed {
			return errClosed
		}
		return errNotArmed
	}
	reg, err := r.hookModifyFD(f.reg, f.fd, events)
	if err != nil {
		return fmt.Errorf("osevent: modify fd %d: %w", f.fd, err)
	}
	f.reg, f.events = reg, events
	return nil
}

// Deregister stops watching the fd; it does not close it. Occurrences
// delivered afterwards for this registration are ignored. It is
// idempotent, may be called from any callback, and panics if called from
// inside a hook.
func (f *FD) Deregister() {
	r := f.r
	r.mustLock()
	defer r.unlock()
	if !f.live {
		return
	}
	r.removeFD(f)
	r.hookDeregisterFD(f.reg, f.fd)
	f.reg = nil
}

// removeFD marks f dead and takes it out of r.fds. r.mu must be held.
func (r *Registry) removeFD(f *FD) {
	last := len(r.fds) - 1
	r.fds[f.idx] = r.fds[last]
	r.fds[f.idx].idx = f.idx
	r.fds[last] = nil
	r.fds = r.fds[:last]
	f.live = false
}

// FDOccurred implements hooks.FDTarget. It delivers revents, masked, to the
// generation's callback without holding the registry's lock, or ignores the
// occurrence if it is stale. It allocates nothing.
func (t *fdTarget) FDOccurred(fd int, revents hooks.Events) error {
	f := t.f
	r := f.r
	if err := r.lock(); err != nil {
		return err
	}
	if !f.live || fd != f.fd || f.events == 0 {
		r.mu.Unlock()
		return nil
	}
	revents &= f.events | hooks.Fault | hooks.Hup | hooks.Nval
	r.mu.Unlock()
	if revents != 0 {
		f.fn(fd, revents)
	}
	return nil
}
