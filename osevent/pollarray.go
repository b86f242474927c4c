//go:build unix

package osevent

import (
	"github.com/childloop/childloop/internal/timerheap"
	"sync"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/sysfd"
)

// PollArray implements hooks.OSEvents for an application that runs poll(2)
// itself: each loop iteration it calls BeforePoll to add the library's fds
// and lower its timeout, polls, and calls AfterPoll to dispatch what the
// library's fds and timeouts reported. Pass the PollArray to the library as
// its hooks. BeforePoll and AfterPoll belong to the application's loop
// goroutine; the hook methods may be called from any goroutine.
type PollArray struct {
	mu sync.Mutex // guards the fields below

	wake sysfd.Collapsing // wake fd(s); -1 after Close

	closed bool                         // set once by Close; guarded by mu
	fds    []*pollFD                    // live fd registrations, pollFD.idx is the position; guarded by mu
	timers timerheap.Heap[*pollTimeout] // armed timeouts; guarded by mu
	due    []*pollTimeout               // reusable scratch for AfterPoll, nil while lent out; guarded by mu
	nDue   int                          // timeouts in state timeoutDue; guarded by mu

	// The snapshot taken by the last BeforePoll: the application's array
	// had base entries, then the wake fd, then one entry per slot.
	inPoll bool      // between BeforePoll and AfterPoll; guarded by mu
	base   int       // index of the wake fd entry; guarded by mu
	slots  []*pollFD // the registration behind entry base+1+i; guarded by mu
	round  uint64    // counts BeforePoll calls, detects nested rounds; guarded by mu
}

// pollFD is the PollArray's Registration for one fd registration.
type pollFD struct {
	fd     int            // immutable
	target hooks.FDTarget // immutable

	events hooks.Events // current mask; guarded by PollArray.mu
	live   bool         // not yet deregistered; guarded by PollArray.mu
	idx    int          // position in PollArray.fds while live; guarded by PollArray.mu
}

// NewPollArray returns an empty PollArray with its own close-on-exec,
// non-blocking wake fd (an eventfd on Linux, a pipe elsewhere).
func NewPollArray() (*PollArray, error) {
	w, err := sysfd.NewWaker()
	if err != nil {
		return nil, err
	}
	p := &PollArray{timers: timerheap.New(timeoutOf)}
	p.wake.Waker = w
	return p, nil
}

// Close closes the wake fd. Afterwards the Register and Modify hooks fail
// with an error wrapping [fs.ErrClosed], BeforePoll adds nothing and
// AfterPoll returns such an error. Close the library parent (its Registry)
// first. Close is idempotent: a later call does nothing and returns nil.
func (p *PollArray) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	p.inPoll = false
	clear(p.slots)
	p.slots = p.slots[:0]
	return p.wake.Close()
}

// Err returns nil while the array is open and an error wrapping
// fs.ErrClosed once it is closed (hooks.Closer).
func (p *PollArray) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errClosed
	}
	return nil
}

// counts returns the number of live fd registrations and armed timeouts
// (timeouts taken out by AfterPoll but not yet delivered count as armed).
func (p *PollArray) counts() (fds, timeouts int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.fds), p.timers.Len() + p.nDue
}

// wakeLocked interrupts the application's poll if it is in one, so that
// the next BeforePoll sees a change. Writes collapse: only the first wake
// after a drain writes. p.mu must be held.
func (p *PollArray) wakeLocked() {
	if p.inPoll {
		_ = p.wake.Wake() // a failed write is retried by the next change
	}
}

// RegisterFD implements hooks.OSEvents. It panics if target is nil.
func (p *PollArray) RegisterFD(fd int, events hooks.Events, target hooks.FDTarget) (hooks.Registration, error) {
	if target == nil {
		panic("osevent: PollArray.RegisterFD with nil target")
	}
	if fd < 0 {
		return nil, errBadFD
	}
	if events&^sysfd.Requestable != 0 {
		return nil, errBadEvents
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errClosed
	}
	f := &pollFD{fd: fd, target: target, events: events, live: true, idx: len(p.fds)}
	p.fds = append(p.fds, f)
	if events != 0 {
		p.wakeLocked()
	}
	return f, nil
}

// ModifyFD implements hooks.OSEvents. It fails with [hooks.ErrNotArmed] for a
// deregistered registration.
func (p *PollArray) ModifyFD(reg hooks.Registration, fd int, events hooks.Events) (hooks.Registration, error) {
	if events&^sysfd.Requestable != 0 {
		return nil, errBadEvents
	}
	f, _ := reg.(*pollFD)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errClosed
	}
	if f == nil || !f.live || f.fd != fd {
		return nil, errNotArmed
	}
	if f.events != events {
		f.events = events
		p.wakeLocked()
	}
	return f, nil
}

// DeregisterFD implements hooks.OSEvents. It tolerates a registration that
// is already gone. It does not wake a poll in progress: a result for the
// fd is dropped by AfterPoll.
func (p *PollArray) DeregisterFD(reg hooks.Registration, fd int) {
	f, _ := reg.(*pollFD)
	p.mu.Lock()
	defer p.mu.Unlock()
	if f == nil || !f.live {
		return
	}
	last := len(p.fds) - 1
	p.fds[f.idx] = p.fds[last]
	p.fds[f.idx].idx = f.idx
	p.fds[last] = nil
	p.fds = p.fds[:last]
	f.live = false
}

// RegisterTimeout implements hooks.OSEvents. It panics if target is nil.
func (p *PollArray) RegisterTimeout(deadline time.Time, target hooks.TimeoutTarget) (hooks.Registration, error) {
	if target == nil {
		panic("osevent: PollArray.RegisterTimeout with nil target")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errClosed
	}
	t := &pollTimeout{target: target}
	p.timers.Arm(t, deadline)
	p.wakeLocked()
	return t, nil
}

// ModifyTimeout implements hooks.OSEvents. A timeout that AfterPoll has
// taken out but not yet delivered is re-armed with the new deadline and is
// not delivered in that AfterPoll; one already delivered or deregistered
// fails with [hooks.ErrNotArmed].
func (p *PollArray) ModifyTimeout(reg hooks.Registration, deadline time.Time) (hooks.Registration, error) {
	t, _ := reg.(*pollTimeout)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errClosed
	}
	if t == nil || t.state == timeoutDead {
		return nil, errNotArmed
	}
	if t.state == timeoutDue {
		t.state = timeoutArmed
		p.nDue--
	}
	p.timers.Arm(t, deadline)
	p.wakeLocked()
	return t, nil
}

// DeregisterTimeout implements hooks.OSEvents. It tolerates a timeout that
// has fired or is being delivered.
func (p *PollArray) DeregisterTimeout(reg hooks.Registration) {
	t, _ := reg.(*pollTimeout)
	p.mu.Lock()
	defer p.mu.Unlock()
	if t == nil {
		return
	}
	switch t.state {
	case timeoutArmed:
		p.timers.Remove(t)
	case timeoutDue:
		p.nDue--
	}
	t.state = timeoutDead
}
