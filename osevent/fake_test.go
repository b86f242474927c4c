package osevent

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/childloop/childloop/hooks"
)

// fakeHooks is a bookkeeping hooks.OSEvents. It keeps the application's
// view of every registration, can fail the next Register or Modify, can run
// a function inside every hook, and records contract violations (a hook
// called for a registration the fake does not hold).
type fakeHooks struct {
	mu         sync.Mutex
	fds        map[*fakeFD]bool      // live fd registrations
	timeouts   map[*fakeTimeout]bool // armed timeouts
	failNext   error                 // returned by the next Register/Modify hook, then cleared
	inHook     func(op string)       // called inside every hook, without mu
	violations []string

	lastFD      *fakeFD      // the most recent fd registration
	lastTimeout *fakeTimeout // the most recent timeout registration
}

type fakeFD struct {
	fd     int
	events hooks.Events
	target hooks.FDTarget
}

type fakeTimeout struct {
	deadline time.Time
	target   hooks.TimeoutTarget
}

var errHook = errors.New("fake hook failure")

func newFakeHooks() *fakeHooks {
	return &fakeHooks{fds: map[*fakeFD]bool{}, timeouts: map[*fakeTimeout]bool{}}
}

// enter runs the in-hook function, counts the call and returns (and
// clears) the failure to inject, if any.
func (h *fakeHooks) enter(op string) error {
	h.mu.Lock()
	fn := h.inHook
	h.mu.Unlock()
	if fn != nil {
		fn(op)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	err := h.failNext
	h.failNext = nil
	return err
}

func (h *fakeHooks) violate(format string, args ...any) {
	h.violations = append(h.violations, fmt.Sprintf(format, args...))
}

func (h *fakeHooks) RegisterFD(fd int, events hooks.Events, target hooks.FDTarget) (hooks.Registration, error) {
	if err := h.enter("RegisterFD"); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	f := &fakeFD{fd: fd, events: events, target: target}
	h.fds[f] = true
	h.lastFD = f
	return f, nil
}

func (h *fakeHooks) ModifyFD(reg hooks.Registration, fd int, events hooks.Events) (hooks.Registration, error) {
	if err := h.enter("ModifyFD"); err != nil {
		return reg, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	f := reg.(*fakeFD)
	if !h.fds[f] || f.fd != fd {
		h.violate("ModifyFD of unknown registration fd %d", fd)
	}
	f.events = events
	return f, nil
}

func (h *fakeHooks) DeregisterFD(reg hooks.Registration, fd int) {
	h.enter("DeregisterFD")
	h.mu.Lock()
	defer h.mu.Unlock()
	f := reg.(*fakeFD)
	if !h.fds[f] || f.fd != fd {
		h.violate("DeregisterFD of unknown registration fd %d", fd)
	}
	delete(h.fds, f)
}

func (h *fakeHooks) RegisterTimeout(deadline time.Time, target hooks.TimeoutTarget) (hooks.Registration, error) {
	if err := h.enter("RegisterTimeout"); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	t := &fakeTimeout{deadline: deadline, target: target}
	h.timeouts[t] = true
	h.lastTimeout = t
	return t, nil
}

func (h *fakeHooks) ModifyTimeout(reg hooks.Registration, deadline time.Time) (hooks.Registration, error) {
	if err := h.enter("ModifyTimeout"); err != nil {
		return reg, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	t := reg.(*fakeTimeout)
	if !h.timeouts[t] {
		h.violate("ModifyTimeout of unknown registration")
	}
	t.deadline = deadline
	return t, nil
}

func (h *fakeHooks) DeregisterTimeout(reg hooks.Registration) {
	h.enter("DeregisterTimeout")
	h.mu.Lock()
	defer h.mu.Unlock()
	t := reg.(*fakeTimeout)
	if !h.timeouts[t] {
		h.violate("DeregisterTimeout of unknown registration")
	}
	delete(h.timeouts, t)
}

// fire plays the application firing t: the registration is gone on the
// application's side, then the target is told.
func (h *fakeHooks) fire(t *fakeTimeout) error {
	h.mu.Lock()
	delete(h.timeouts, t)
	h.mu.Unlock()
	return t.target.TimeoutOccurred()
}

// counts returns the application's view of live registrations.
func (h *fakeHooks) counts() (fds, timeouts int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.fds), len(h.timeouts)
}

// only returns the single live fd registration (nil if not exactly one).
func (h *fakeHooks) onlyFD() *fakeFD {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.fds) != 1 {
		return nil
	}
	for f := range h.fds {
		return f
	}
	return nil
}

// onlyTimeout returns the single armed timeout (nil if not exactly one).
func (h *fakeHooks) onlyTimeout() *fakeTimeout {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.timeouts) != 1 {
		return nil
	}
	for t := range h.timeouts {
		return t
	}
	return nil
}

func (h *fakeHooks) failNextWith(err error) {
	h.mu.Lock()
	h.failNext = err
	h.mu.Unlock()
}

func (h *fakeHooks) setInHook(fn func(op string)) {
	h.mu.Lock()
	h.inHook = fn
	h.mu.Unlock()
}
