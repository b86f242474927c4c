package childproc

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The process-wide SIGCHLD machinery.
//
// Every context that needs SIGCHLD (library-owned mode while it has
// children, Always and AlwaysSelective for their whole life) is a "user"
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
// Publishing before the first fork of a context guarantees that a child's
// SIGCHLD cannot precede the pipe's presence in the snapshot. Quiescing
// before closing guarantees that no writer still holding the old snapshot
// writes into a closed (and perhaps reused) fd number.

// users is the process-wide registry. Its mutex is never taken on the signal
// path nor after fork.
var users struct {
	mu     sync.Mutex
	pipes  []*selfPipe // registered self-pipes; guarded by mu
	src    source      // the installed signal source, nil when pipes is empty; guarded by mu
	kind   SourceKind  // the source to install next; guarded by mu
	always *Context    // the open Always-mode context, if any; guarded by mu
}

// allFDs points to a *[]int32: every registered self-pipe fd, read and
// write ends, as an immutable snapshot. It is stored atomically under
// users.mu and read lock-free; PostforkChildNoexec, running alone in a
// forked child, reads it with a plain load and closes the fds.
var allFDs unsafe.Pointer

// SourceKind selects how SIGCHLD reaches the self-pipes.
type SourceKind int

const (
	// SourceAuto picks the fastest source the platform supports.
	SourceAuto SourceKind = iota
	// SourceRelay uses os/signal: a goroutine receives SIGCHLD from
	// signal.Notify and writes the bytes. It works everywhere, but the
	// runtime's relay adds a goroutine hand-off to every exit.
	SourceRelay
	// SourceRaw uses an async-signal-safe handler written in assembly that
	// writes the bytes from the signal itself and then chains to the Go
	// runtime's handler (linux/amd64 and linux/arm64 only).
	SourceRaw
)

// String returns the kind's name.
func (k SourceKind) String() string {
	switch k {
	case SourceAuto:
		return "auto"
	case SourceRelay:
		return "relay"
	case SourceRaw:
		return "raw"
	}
	return fmt.Sprintf("SourceKind(%d)", int(k))
}

// SetSignalSource chooses the SIGCHLD source for the process. It takes
// effect the next time the source is installed, i.e. when the first context
// starts needing SIGCHLD after none did. It returns an error wrapping
// errors.ErrUnsupported for a source this platform lacks.
func SetSignalSource(k SourceKind) error {
	if k < SourceAuto || k > SourceRaw {
		return fmt.Errorf("%w: unknown signal source %d", ErrBadConfig, int(k))
	}
	if k == SourceRaw && !rawSupported() {
		return fmt.Errorf("childproc: raw signal source: %w", errUnsupportedRaw)
	}
	users.mu.Lock()
	users.kind = k
	users.mu.Unlock()
	return nil
}

// CurrentSignalSource reports the source installed now, or SourceAuto when
// no context needs SIGCHLD at the moment.
func CurrentSignalSource() SourceKind {
	users.mu.Lock()
	defer users.mu.Unlock()
	if users.src == nil {
		return SourceAuto
	}
	return users.src.kind()
}

// source turns SIGCHLD into one byte on every published write end.
type source interface {
	kind() SourceKind
	start() error
	// publish makes w (never modified afterwards) the set of write ends.
	publish(w []int32) error
	// quiesce returns once no writer can still be using a set published
	// before the last publish.
	quiesce()
	stop() error
}

func newSource(k SourceKind) source {
	if k == SourceRaw || (k == SourceAuto && rawSupported()) {
		return newRawSource()
	}
	return newRelay()
}

// addPipe makes p a SIGCHLD user, installing the source if p is the first.
func addPipe(p *selfPipe) error {
	users.mu.Lock()
	defer users.mu.Unlock()
	if users.src == nil {
		src := newSource(users.kind)
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

// removePipe takes p out of the user set; once it returns no signal writer
// touches p's fds, and the caller may close them. The source is stopped when
// the last user leaves.
func removePipe(p *selfPipe) {
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

// CheckSignalSource reports whether the installed SIGCHLD source still
// works. The raw handler can be replaced behind the library's back, by
// signal.Ignore(syscall.SIGCHLD) or by C code calling sigaction; then no
// exit would be noticed through the self-pipes any more. It returns nil when
// no source is installed or the relay is in use.
func CheckSignalSource() error {
	users.mu.Lock()
	defer users.mu.Unlock()
	if users.src == nil || users.src.kind() != SourceRaw {
		return nil
	}
	return checkRaw()
}

// pipeUsers reports how many self-pipes are registered (tests).
func pipeUsers() int {
	users.mu.Lock()
	defer users.mu.Unlock()
	return len(users.pipes)
}

// SourceSupported reports whether this platform has signal source k.
func SourceSupported(k SourceKind) bool {
	switch k {
	case SourceAuto, SourceRelay:
		return true
	case SourceRaw:
		return rawSupported()
	}
	return false
}

// ReapStrategySupported reports whether the kernel supports strategy s.
func ReapStrategySupported(s ReapStrategy) bool {
	switch s {
	case ReapAuto, ReapScan:
		return true
	case ReapPidfd:
		return pidfdSupported()
	}
	return false
}
