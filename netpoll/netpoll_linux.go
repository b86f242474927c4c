//go:build linux

package netpoll

import (
	"fmt"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/timerheap"
	"golang.org/x/sys/unix"
)

// ErrClosed is what Err, and the registration methods, return once the
// Hooks are closed.
var ErrClosed = fmt.Errorf("netpoll: hooks closed: %w", fs.ErrClosed)

// requestable and reported are the event bits a registration asks for and
// those the kernel reports unasked; their epoll values equal poll's.
const (
	requestable = hooks.In | hooks.Pri | hooks.Out
	reported    = hooks.Fault | hooks.Hup
)

// Hooks implement hooks.OSEvents and hooks.Closer on Go's netpoller. Their
// methods are safe for concurrent use.
type Hooks struct {
	dispatch func(func()) error // nil: run batches on the collecting goroutine
	ep       int                // the private epoll set
	file     *os.File           // ep, in Go's netpoller
	rc       syscall.RawConn
	quit     chan struct{}  // closed by Close
	wg       sync.WaitGroup // the collecting goroutine, and timer batches in flight

	mu     sync.Mutex
	fds    map[uint64]*fdReg // by epoll data; guarded by mu
	next   uint64            // the next fdReg id; guarded by mu
	heap   timerheap.Heap[*timeoutReg]
	timer  *time.Timer // fires at the earliest deadline; guarded by mu
	firing bool        // a timer batch is being dispatched; guarded by mu
	err    error       // why delivery stopped; guarded by mu
}

// fdReg is an fd registration.
type fdReg struct {
	id     uint64
	fd     int
	events hooks.Events // requested; 0: out of the set
	target hooks.FDTarget
	dead   bool // deregistered; guarded by Hooks.mu
}

// timeoutReg is a timeout registration.
type timeoutReg struct {
	timerheap.Timer
	target hooks.TimeoutTarget
}

// New returns Hooks that run every occurrence through dispatch. dispatch
// must arrange for f to be called once, soon, on the goroutine where the
// application wants its callbacks, and must not call f before returning
// (the Hooks wait for f while dispatch runs). A nil dispatch runs the
// callbacks on a goroutine of the Hooks' own. Close them when done.
func New(dispatch func(f func()) error) (*Hooks, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	// Non-blocking, so that os.NewFile puts it in the netpoller.
	if err := unix.SetNonblock(ep, true); err != nil {
		unix.Close(ep)
		return nil, os.NewSyscallError("fcntl", err)
	}
	file := os.NewFile(uintptr(ep), "netpoll epoll set")
	rc, err := file.SyscallConn()
	if err != nil {
		file.Close()
		return nil, err
	}
	h := &Hooks{dispatch: dispatch, ep: ep, file: file, rc: rc, quit: make(chan struct{}),
		fds: map[uint64]*fdReg{}, heap: timerheap.New(func(t *timeoutReg) *timerheap.Timer { return &t.Timer })}
	h.wg.Add(1)
	go h.collect()
	return h, nil
}

// Err implements hooks.Closer: nil while the Hooks deliver, ErrClosed once
// closed, or the error dispatch returned.
func (h *Hooks) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// Close stops delivering, releases the epoll set and waits for the Hooks'
// goroutines. A batch already handed to dispatch may still run; its
// callbacks find their registrations gone. Close is idempotent.
func (h *Hooks) Close() error {
	h.mu.Lock()
	if h.err == nil {
		h.err = ErrClosed
	}
	select {
	case <-h.quit:
		h.mu.Unlock()
		return nil
	default:
	}
	close(h.quit)
	if h.timer != nil {
		h.timer.Stop()
	}
	h.heap.Clear(nil)
	h.mu.Unlock()
	err := h.file.Close() // wakes the collecting goroutine
	h.wg.Wait()
	return err
}

// fail stops delivery with err (a dispatch error), unless closed.
func (h *Hooks) fail(err error) {
	h.mu.Lock()
	if h.err == nil {
		h.err = fmt.Errorf("netpoll: dispatch: %w", err)
	}
	h.mu.Unlock()
}

// usable returns the error that stopped the Hooks, if any. mu held.
func (h *Hooks) usableLocked() error { return h.err }

// RegisterFD implements hooks.OSEvents.
func (h *Hooks) RegisterFD(fd int, events hooks.Events, target hooks.FDTarget) (hooks.Registration, error) {
	if target == nil || fd < 0 {
		return nil, fmt.Errorf("netpoll: RegisterFD: fd %d, target %v: %w", fd, target, os.ErrInvalid)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.usableLocked(); err != nil {
		return nil, err
	}
	h.next++
	r := &fdReg{id: h.next, fd: fd, target: target}
	if err := h.setLocked(r, events&requestable); err != nil {
		return nil, err
	}
	h.fds[r.id] = r
	return r, nil
}

// setLocked moves r to events: a registration asking for nothing stays
// out of the set, where epoll would still report errors and hang-ups on
// every round. mu held.
func (h *Hooks) setLocked(r *fdReg, events hooks.Events) error {
	op := unix.EPOLL_CTL_MOD
	switch {
	case r.events == events:
		return nil
	case r.events == 0:
		op = unix.EPOLL_CTL_ADD
	case events == 0:
		op = unix.EPOLL_CTL_DEL
	}
	ev := unix.EpollEvent{Events: uint32(events), Fd: int32(r.id), Pad: int32(r.id >> 32)}
	err := unix.EpollCtl(h.ep, op, r.fd, &ev)
	if op == unix.EPOLL_CTL_DEL && (err == unix.EBADF || err == unix.ENOENT) {
		err = nil // closed already: the kernel dropped it
	}
	if err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	r.events = events
	return nil
}

// ModifyFD implements hooks.OSEvents.
func (h *Hooks) ModifyFD(reg hooks.Registration, fd int, events hooks.Events) (hooks.Registration, error) {
	r, ok := reg.(*fdReg)
	if !ok || r.fd != fd {
		return reg, fmt.Errorf("netpoll: ModifyFD: registration %T for fd %d: %w", reg, fd, os.ErrInvalid)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.dead {
		return reg, fmt.Errorf("netpoll: ModifyFD: fd %d deregistered: %w", fd, os.ErrInvalid)
	}
	if err := h.usableLocked(); err != nil {
		return reg, err
	}
	return reg, h.setLocked(r, events&requestable)
}

// DeregisterFD implements hooks.OSEvents. An occurrence collected before
// it is not delivered.
func (h *Hooks) DeregisterFD(reg hooks.Registration, fd int) {
	r, ok := reg.(*fdReg)
	if !ok || r.fd != fd {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.dead {
		return
	}
	if h.err != ErrClosed {
		_ = h.setLocked(r, 0)
	}
	r.dead = true
	delete(h.fds, r.id)
}

// RegisterTimeout implements hooks.OSEvents.
func (h *Hooks) RegisterTimeout(deadline time.Time, target hooks.TimeoutTarget) (hooks.Registration, error) {
	if target == nil {
		return nil, fmt.Errorf("netpoll: RegisterTimeout: nil target: %w", os.ErrInvalid)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.usableLocked(); err != nil {
		return nil, err
	}
	t := &timeoutReg{target: target}
	h.heap.Arm(t, deadline)
	h.resetTimerLocked()
	return t, nil
}

// ModifyTimeout implements hooks.OSEvents; a timeout that fired or was
// deregistered is not armed again (the error wraps hooks.ErrNotArmed).
func (h *Hooks) ModifyTimeout(reg hooks.Registration, deadline time.Time) (hooks.Registration, error) {
	t, ok := reg.(*timeoutReg)
	if !ok {
		return reg, fmt.Errorf("netpoll: ModifyTimeout: registration %T: %w", reg, os.ErrInvalid)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.usableLocked(); err != nil {
		return reg, err
	}
	if !t.Armed() {
		return reg, hooks.ErrNotArmed
	}
	h.heap.Arm(t, deadline)
	h.resetTimerLocked()
	return reg, nil
}

// DeregisterTimeout implements hooks.OSEvents.
func (h *Hooks) DeregisterTimeout(reg hooks.Registration) {
	if t, ok := reg.(*timeoutReg); ok {
		h.mu.Lock()
		h.heap.Remove(t)
		h.mu.Unlock()
	}
}

// resetTimerLocked points the Go timer at the earliest deadline. While a
// batch of expiries is being dispatched it is left alone: the batch
// resets it when done. mu held.
func (h *Hooks) resetTimerLocked() {
	if h.firing || h.err != nil {
		return
	}
	next, ok := h.heap.Next()
	if !ok {
		if h.timer != nil {
			h.timer.Stop()
		}
		return
	}
	d := time.Until(next)
	if h.timer == nil {
		h.timer = time.AfterFunc(d, h.fire)
		return
	}
	h.timer.Reset(d)
}

// fire runs on a timer goroutine: it dispatches the due timeouts as one
// batch and waits for it, then re-arms the timer. Close waits for it.
func (h *Hooks) fire() {
	h.mu.Lock()
	if h.firing || h.err != nil {
		h.mu.Unlock()
		return
	}
	h.wg.Add(1) // under mu with err nil: before Close's Wait
	defer h.wg.Done()
	var due []*timeoutReg
	now := time.Now()
	for {
		t, ok := h.heap.PopDue(now)
		if !ok {
			break
		}
		due = append(due, t)
	}
	h.firing = len(due) > 0
	if !h.firing {
		h.resetTimerLocked()
		h.mu.Unlock()
		return
	}
	h.mu.Unlock()
	h.run(func() {
		for _, t := range due {
			_ = t.target.TimeoutOccurred()
		}
	})
	h.mu.Lock()
	h.firing = false
	h.resetTimerLocked()
	h.mu.Unlock()
}

// run hands batch to dispatch (or runs it) and waits until it has run or
// the Hooks are closed.
func (h *Hooks) run(batch func()) {
	if h.dispatch == nil {
		batch()
		return
	}
	done := make(chan struct{})
	if err := h.dispatch(func() { defer close(done); batch() }); err != nil {
		h.fail(err)
		return
	}
	select {
	case <-done:
	case <-h.quit:
	}
}

// ready is one collected occurrence.
type ready struct {
	r  *fdReg
	ev hooks.Events
}

// collect is the collecting goroutine: wait in the netpoller until the set
// is readable, take what is ready, deliver it as one batch, repeat.
func (h *Hooks) collect() {
	defer h.wg.Done()
	events := make([]unix.EpollEvent, 128)
	var batch []ready
	for {
		n := 0
		err := h.rc.Read(func(uintptr) bool {
			m, err := unix.EpollWait(h.ep, events, 0)
			if err != nil || m <= 0 {
				return false // EINTR or nothing: wait in the netpoller
			}
			n = m
			return true
		})
		if err != nil {
			return // closed
		}
		h.mu.Lock()
		if h.err != nil {
			h.mu.Unlock()
			return
		}
		batch = batch[:0]
		for _, e := range events[:n] {
			id := uint64(uint32(e.Fd)) | uint64(uint32(e.Pad))<<32
			if r := h.fds[id]; r != nil {
				batch = append(batch, ready{r, hooks.Events(e.Events) & (requestable | reported)})
			}
		}
		h.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		h.run(func() {
			for _, b := range batch {
				h.mu.Lock()
				dead := b.r.dead
				h.mu.Unlock()
				if !dead {
					_ = b.r.target.FDOccurred(b.r.fd, b.ev)
				}
			}
		})
		if h.Err() != nil {
			return // closed, or dispatch failed
		}
	}
}
