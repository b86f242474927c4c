// Package sigchld is the process-wide SIGCHLD machinery: the list of
// self-pipes that want SIGCHLD, the signal source that writes to them, and
// the reset a forked child makes of both.
//
// Every parent that needs SIGCHLD (by default while it has children and
// reaps without pidfds; with ModeReapAll or ModeKeep for its whole life) is a "user"
// with its own self-pipe. The set of users is published as an immutable
// snapshot of pipe write ends; the signal source (an os/signal relay
// goroutine, or a raw handler where available) writes one byte to every
// write end in the snapshot it loaded, without locks, allocation or blocking.
// A full pipe (EAGAIN) already means "wake-up pending", so nothing is lost.
//
// Changing the user set is serialised by users.mu and follows one order:
//
//	add:    create pipe → register its read end in the loop → publish → (fork)
//	remove: publish without it → quiesce the source → deregister → close
//
// Publishing before the first fork of a parent guarantees that a child's
// SIGCHLD cannot precede the pipe's presence in the snapshot. Quiescing
// before closing guarantees that no writer still holding the old snapshot
// writes into a closed (and perhaps reused) fd number.
package sigchld

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/sysfd"
)

// users is the process-wide registry. Its mutex is never taken on the signal
// path nor after fork.
var users struct {
	mu    sync.Mutex
	pipes []*sysfd.Waker // registered self-pipes; guarded by mu
	src   source         // the installed signal source, nil when pipes is empty; guarded by mu
}

// allFDs points to a *[]int32: every registered self-pipe fd, read and
// write ends, as an immutable snapshot. It is stored atomically under
// users.mu and read lock-free; noexec.PostforkChild, running alone in a
// forked child, reads it with a plain load and closes the fds.
var allFDs unsafe.Pointer

// Installed reports the source installed now, or knob.SourceAuto when no
// parent needs SIGCHLD at the moment.
func Installed() knob.Source {
	users.mu.Lock()
	defer users.mu.Unlock()
	if users.src == nil {
		return knob.SourceAuto
	}
	return users.src.kind()
}

// source turns SIGCHLD into one byte on every published write end.
type source interface {
	kind() knob.Source
	start() error
	// publish makes w (never modified afterwards) the set of write ends.
	publish(w []int32) error
	// quiesce returns once no writer can still be using a set published
	// before the last publish.
	quiesce()
	stop() error
}

func newSource(k knob.Source) source {
	if k == knob.SourceRaw || (k == knob.SourceAuto && rawSupported()) {
		return newRawSource()
	}
	return newRelay()
}

// NewPipe makes a self-pipe: the signal source writes one byte to W, the
// parent's loop registration reads R. Both ends are non-blocking and
// close-on-exec from creation; its fds are immutable until Close, which
// only its owner calls, after Remove.
func NewPipe() (*sysfd.Waker, error) {
	w, err := sysfd.NewPipeWaker()
	if err != nil {
		return nil, err
	}
	return &w, nil
}

// Add makes p a SIGCHLD user, installing the source if p is the first.
func Add(p *sysfd.Waker) error {
	users.mu.Lock()
	defer users.mu.Unlock()
	if users.src == nil {
		src := newSource(knob.RequestedSource())
		if err := src.start(); err != nil {
			return err
		}
		users.src = src
	}
	users.pipes = append(users.pipes, p)
	if err := publishLocked(); err != nil {
		users.pipes = users.pipes[:len(users.pipes)-1]
		_ = publishLocked()
		if len(users.pipes) == 0 {
			_ = users.src.stop()
			users.src = nil
		}
		return err
	}
	return nil
}

// Remove takes p out of the user set; once it returns no signal writer
// touches p's fds, and the caller may close them. The source is stopped when
// the last user leaves.
func Remove(p *sysfd.Waker) {
	users.mu.Lock()
	defer users.mu.Unlock()
	for i, q := range users.pipes {
		if q == p {
			last := len(users.pipes) - 1
			users.pipes[i] = users.pipes[last]
			users.pipes[last] = nil
			users.pipes = users.pipes[:last]
			break
		}
	}
	// Publishing a subset of fds that were accepted before cannot fail.
	_ = publishLocked()
	users.src.quiesce()
	if len(users.pipes) == 0 {
		// A stop error leaves nothing to undo: the source is gone either way.
		_ = users.src.stop()
		users.src = nil
	}
}

// publishLocked rebuilds both snapshots from users.pipes. users.mu held.
func publishLocked() error {
	w := make([]int32, 0, len(users.pipes))
	all := make([]int32, 0, 2*len(users.pipes))
	for _, p := range users.pipes {
		w = append(w, int32(p.W))
		all = append(all, int32(p.R), int32(p.W))
	}
	atomic.StorePointer(&allFDs, unsafe.Pointer(&all))
	if users.src != nil {
		return users.src.publish(w)
	}
	return nil
}

// Check reports whether the raw handler, when it is the installed source,
// is still in place (see childproc.CheckSignalSource); nil otherwise.
func Check() error {
	users.mu.Lock()
	defer users.mu.Unlock()
	if users.src == nil || users.src.kind() != knob.SourceRaw {
		return nil
	}
	return checkRaw()
}

// Users reports how many self-pipes are registered.
func Users() int {
	users.mu.Lock()
	defer users.mu.Unlock()
	return len(users.pipes)
}
