package sysfd

import (
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Waker is a self-wakeup fd for a poll loop: an eventfd on Linux (R == W),
// a pipe elsewhere; non-blocking and close-on-exec from creation. Poll R for
// reading; Wake makes it readable, Drain makes it quiet again. The owner
// serialises Wake, Drain and Close (the loop's or the poll array's mutex);
// Close sets both fds to -1.
type Waker struct {
	R, W int
}

// Wake makes R readable. EAGAIN (eventfd counter saturated, pipe full)
// means a wake-up is already pending: success.
func (w *Waker) Wake() error {
	for {
		_, err := unix.Write(w.W, wakeBytes[:])
		switch err {
		case nil, unix.EAGAIN:
			return nil
		case unix.EINTR:
			continue
		}
		return os.NewSyscallError("write", err)
	}
}

// Drain empties R. A read shorter than the buffer has emptied it (an
// eventfd read always does); a wake after it leaves R readable again.
func (w *Waker) Drain() {
	var buf [64]byte
	for {
		n, err := unix.Read(w.R, buf[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || n < len(buf) {
			return
		}
	}
}

// Close closes the fd(s), once.
func (w *Waker) Close() error {
	var err error
	if w.R >= 0 {
		err = unix.Close(w.R)
	}
	if w.W >= 0 && w.W != w.R {
		if e := unix.Close(w.W); err == nil {
			err = e
		}
	}
	w.R, w.W = -1, -1
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// NewPipeWaker creates a pipe-backed Waker on every system: for writers
// that write single bytes (a signal handler), where an eventfd's 8-byte
// writes would not do.
func NewPipeWaker() (Waker, error) {
	r, w, err := Pipe(true)
	if err != nil {
		return Waker{-1, -1}, err
	}
	return Waker{r, w}, nil
}

// Collapsing is a Waker whose wakes collapse: only the first Wake after a
// Drain writes, so any number of wakes between two waits costs one write.
// The loop and the PollArray use it; the SIGCHLD self-pipe, written from a
// signal handler, uses the bare Waker.
type Collapsing struct {
	Waker
	pending atomic.Bool // a write is outstanding and not yet drained
}

// Wake writes unless a write is already pending. If the write fails
// (other than for a full buffer), the next Wake tries again.
func (c *Collapsing) Wake() error {
	if !c.pending.CompareAndSwap(false, true) {
		return nil
	}
	err := c.Waker.Wake()
	if err != nil {
		c.pending.Store(false)
	}
	return err
}

// Drain consumes the pending wake-ups and lets the next Wake write again.
func (c *Collapsing) Drain() {
	c.pending.Store(false)
	c.Waker.Drain()
}

// Pending reports whether a wake is written and not yet drained.
func (c *Collapsing) Pending() bool { return c.pending.Load() }
