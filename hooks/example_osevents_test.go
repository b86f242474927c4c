package hooks_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/osevent"
)

// timerHooks is a minimal hooks.OSEvents for a loop that has timers but
// watches no fds: it refuses fd registrations and keeps armed timeouts.
type timerHooks struct {
	mu    sync.Mutex // hooks may be called from any goroutine
	armed []*timeout
}

type timeout struct {
	deadline time.Time
	target   hooks.TimeoutTarget
}

func (h *timerHooks) RegisterFD(int, hooks.Events, hooks.FDTarget) (hooks.Registration, error) {
	return nil, errors.ErrUnsupported
}

func (h *timerHooks) ModifyFD(reg hooks.Registration, _ int, _ hooks.Events) (hooks.Registration, error) {
	return reg, errors.ErrUnsupported
}

func (h *timerHooks) DeregisterFD(hooks.Registration, int) {}

func (h *timerHooks) RegisterTimeout(d time.Time, t hooks.TimeoutTarget) (hooks.Registration, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	to := &timeout{d, t}
	h.armed = append(h.armed, to)
	return to, nil
}

func (h *timerHooks) ModifyTimeout(reg hooks.Registration, d time.Time) (hooks.Registration, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	to := reg.(*timeout)
	if !slices.Contains(h.armed, to) {
		return reg, hooks.ErrNotArmed // fired or deregistered: not armed again
	}
	to.deadline = d
	return to, nil
}

func (h *timerHooks) DeregisterTimeout(reg hooks.Registration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.armed = slices.DeleteFunc(h.armed, func(to *timeout) bool { return to == reg })
}

// fireDue is the loop's part: it takes the due timeouts out, then calls
// their targets in deadline order with no lock held (hooks rule 2).
func (h *timerHooks) fireDue(now time.Time) error {
	h.mu.Lock()
	var due []*timeout
	h.armed = slices.DeleteFunc(h.armed, func(to *timeout) bool {
		if to.deadline.After(now) {
			return false
		}
		due = append(due, to)
		return true
	})
	h.mu.Unlock()
	slices.SortStableFunc(due, func(a, b *timeout) int { return a.deadline.Compare(b.deadline) })
	for _, to := range due {
		if err := to.target.TimeoutOccurred(); err != nil {
			return err
		}
	}
	return nil
}

// A tiny OSEvents implementation, used by a library-side Registry.
func ExampleOSEvents() {
	h := &timerHooks{}
	reg := osevent.New(h)
	defer reg.Close()

	_, err := reg.RegisterFD(0, hooks.In, func(int, hooks.Events) {})
	fmt.Println("fd refused:", errors.Is(err, errors.ErrUnsupported))

	say := func(s string) func() { return func() { fmt.Println(s) } }
	reg.RegisterTimeout(time.Now().Add(-time.Second), say("second")) // overdue
	reg.RegisterTimeout(time.Time{}, say("first"))                   // as soon as possible
	later, _ := reg.RegisterTimeout(time.Now().Add(time.Hour), say("later"))

	if err := h.fireDue(time.Now()); err != nil { // one loop iteration
		fmt.Println(err)
	}
	later.Deregister() // the registry calls DeregisterTimeout
	fmt.Println("still armed:", len(h.armed))
	// Output:
	// fd refused: true
	// first
	// second
	// still armed: 0
}
