package osevent

import (
	"sync"
	"sync/atomic"

	"github.com/childloop/childloop/hooks"
)

// Registry records the fd and timeout registrations one library parent has
// made through the application's hooks, and routes occurrences back to the
// library's callbacks. Create it with New; all methods are safe for
// concurrent use.
type Registry struct {
	h hooks.OSEvents // the application's hooks; immutable after New

	mu sync.Mutex // guards the fields below; held while hooks run

	// hooking is true while a hook call is in progress. Written only with
	// mu held (by the methods in hookcall.go); read without mu by entry
	// points whose TryLock failed, hence atomic.
	hooking atomic.Bool

	closed   bool       // set once by Close; guarded by mu
	fds      []*FD      // live fd registrations, FD.idx is the position; guarded by mu
	timeouts []*Timeout // armed timeouts, Timeout.idx is the position; guarded by mu
}

// New returns an empty registry that makes its registrations through h.
// It panics if h is nil.
func New(h hooks.OSEvents) *Registry {
	if h == nil {
		panic("osevent: New with nil hooks")
	}
	return &Registry{h: h}
}

// lock acquires r.mu, or returns [hooks.ErrReentrant] without blocking if the
// calling goroutine is inside a hook call (and so may be the one holding
// r.mu). The common path, an uncontended mutex, is one TryLock; the stack
// walk happens only when the mutex is held and a hook call is in progress.
func (r *Registry) lock() error {
	if r.mu.TryLock() {
		return nil
	}
	if r.hooking.Load() && calledFromHook() {
		return errReentrant
	}
	r.mu.Lock()
	return nil
}

// mustLock is lock for methods without an error result: reentrancy is API
// misuse there and panics.
func (r *Registry) mustLock() {
	if err := r.lock(); err != nil {
		panic(err)
	}
}

// unlock releases r.mu.
func (r *Registry) unlock() { r.mu.Unlock() }

// Err returns an error wrapping fs.ErrClosed once the registry is closed,
// or once the application's hooks say their loop is (hooks.Closer); nil
// otherwise, and always for hooks that cannot tell.
func (r *Registry) Err() error {
	r.mustLock()
	closed := r.closed
	r.unlock()
	if closed {
		return errClosed
	}
	if c, ok := r.h.(hooks.Closer); ok {
		return c.Err()
	}
	return nil
}

// Close deregisters every fd and timeout still registered, through the
// hooks, and makes later Register calls fail with [fs.ErrClosed]. Occurrences
// delivered afterwards to any of the registry's targets are ignored. Close
// does not close any fd. It is idempotent, and may be called from a
// callback; it panics if called from inside a hook.
func (r *Registry) Close() {
	r.mustLock()
	defer r.unlock()
	if r.closed {
		return
	}
	r.closed = true
	for _, f := range r.fds {
		f.live = false
		r.hookDeregisterFD(f.reg, f.fd)
		f.reg = nil
	}
	clear(r.fds)
	r.fds = r.fds[:0]
	for _, t := range r.timeouts {
		t.armed = false
		r.hookDeregisterTimeout(t.reg)
		t.reg = nil
	}
	clear(r.timeouts)
	r.timeouts = r.timeouts[:0]
}

// counts returns the number of live fd registrations and armed timeouts. It
// is meant for tests and leak checks.
func (r *Registry) counts() (fds, timeouts int) {
	r.mustLock()
	defer r.unlock()
	return len(r.fds), len(r.timeouts)
}
