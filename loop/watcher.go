package loop

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/sysfd"
)

// Watcher is one level-triggered registration of an fd. Several watchers
// may watch the same fd.
type Watcher struct {
	loop *Loop                                    // immutable after Watch
	fd   int                                      // immutable after Watch
	fn   func(fd int, revents hooks.Events) error // immutable after Watch

	mask   hooks.Events // requested events; guarded by loop.mu
	active bool         // false once stopped or the loop is closed; guarded by loop.mu
	born   uint64       // Loop.round at registration; guarded by loop.mu
}

// fdEntry is the kernel-side state of one watched fd; guarded by Loop.mu.
type fdEntry struct {
	gen      uint32       // distinguishes this entry from earlier ones for the same fd number
	mask     hooks.Events // union of the watchers' masks, as registered in the kernel
	watchers []*Watcher   // active watchers of the fd
}

// readyFD is one delivery collected from a wait; loop goroutine only.
type readyFD struct {
	w       *Watcher
	revents hooks.Events
}

func checkEvents(ev hooks.Events) error {
	if ev&^sysfd.Requestable != 0 {
		return invalid("events %v", ev)
	}
	return nil
}

// Watch starts watching fd for events (any of [hooks.In], [hooks.Pri],
// [hooks.Out], or none) and calls fn on the loop goroutine while it is ready,
// with revents the requested bits that are ready plus Fault, Hup or Nval when
// reported. A non-nil error from fn ends Run (see the package documentation).
// The fd stays the caller's: Stop the watcher before closing it.
func (l *Loop) Watch(fd int, events hooks.Events, fn func(fd int, revents hooks.Events) error) (*Watcher, error) {
	if fn == nil {
		return nil, invalid("nil callback")
	}
	if fd < 0 {
		return nil, invalid("fd %d", fd)
	}
	if err := checkEvents(events); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return nil, errClosed
	}
	e := l.fds[fd]
	if e == nil {
		if events == 0 {
			// Not put in the kernel set: check the fd here instead.
			if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
				return nil, os.NewSyscallError("fcntl", err)
			}
		}
		l.gen++
		if l.gen == 0 { // 0 marks the wake fd
			l.gen++
		}
		e = &fdEntry{gen: l.gen}
	}
	if err := l.setMaskLocked(fd, e, e.mask|events); err != nil {
		return nil, err
	}
	w := &Watcher{loop: l, fd: fd, fn: fn, mask: events, active: true, born: l.round}
	e.watchers = append(e.watchers, w)
	l.fds[fd] = e
	return w, nil
}

// setMaskLocked makes the kernel's interest in fd equal to mask.
func (l *Loop) setMaskLocked(fd int, e *fdEntry, mask hooks.Events) error {
	if mask == e.mask {
		return nil
	}
	if err := l.poller.update(fd, e.gen, e.mask, mask); err != nil {
		return err
	}
	e.mask = mask
	l.changedLocked(l.backend == backendPoll)
	return nil
}

// unionLocked is the union of the masks of e's watchers, with w's mask
// replaced by mask (w == nil: no replacement).
func unionLocked(e *fdEntry, w *Watcher, mask hooks.Events) hooks.Events {
	var u hooks.Events
	for _, x := range e.watchers {
		if x == w {
			u |= mask
		} else {
			u |= x.mask
		}
	}
	return u
}

// Modify changes the watcher's mask; an empty mask pauses it. On error the
// old mask stays.
func (w *Watcher) Modify(events hooks.Events) error {
	if err := checkEvents(events); err != nil {
		return err
	}
	l := w.loop
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return errClosed
	}
	if !w.active {
		return invalid("watcher stopped")
	}
	e := l.fds[w.fd]
	if err := l.setMaskLocked(w.fd, e, unionLocked(e, w, events)); err != nil {
		return err
	}
	w.mask = events
	return nil
}

// Stop deregisters the watcher; events already collected for it are
// dropped. It is idempotent, and tolerates an fd that was already closed.
func (w *Watcher) Stop() {
	l := w.loop
	l.mu.Lock()
	defer l.mu.Unlock()
	if !w.active {
		return
	}
	w.active = false
	e := l.fds[w.fd]
	for i, x := range e.watchers {
		if x == w {
			last := len(e.watchers) - 1
			copy(e.watchers[i:], e.watchers[i+1:])
			e.watchers[last] = nil
			e.watchers = e.watchers[:last]
			break
		}
	}
	// Shrinking the interest cannot fail in a way worth reporting: the
	// backends ignore an fd that is already closed.
	_ = l.setMaskLocked(w.fd, e, unionLocked(e, nil, 0))
	if len(e.watchers) == 0 {
		delete(l.fds, w.fd)
	}
}
