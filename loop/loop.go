package loop

import (
	"errors"
	"fmt"
	"github.com/childloop/childloop/internal/timerheap"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/sysfd"
)

// Errors. Methods of a closed Loop (and of its watchers and timers) return
// errClosed, which wraps fs.ErrClosed; bad arguments (a nil callback, a
// negative fd, an event mask asking for more than In, Pri and Out, a stopped
// watcher, a foreign registration) return errors wrapping os.ErrInvalid;
// ModifyTimeout of a timeout that fired or was deregistered returns an
// error wrapping hooks.ErrNotArmed.
var (
	errClosed   = fmt.Errorf("loop: %w", fs.ErrClosed)
	errNotArmed = fmt.Errorf("loop: %w", hooks.ErrNotArmed)
)

// invalid returns an error wrapping os.ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("loop: %w: %s", os.ErrInvalid, fmt.Sprintf(format, args...))
}

// backend is the system call the loop waits in. Applications get the
// platform's best (epoll on Linux, poll elsewhere); tests run every
// backend.
type backend int

const (
	backendDefault backend = iota
	backendEpoll           // epoll(7); Linux only
	backendPoll            // poll(2); every unix system
)

// String returns the backend's name.
func (b backend) String() string {
	switch b {
	case backendDefault:
		return "default"
	case backendEpoll:
		return "epoll"
	case backendPoll:
		return "poll"
	}
	return fmt.Sprintf("backend(%d)", int(b))
}

// Loop is a single-goroutine event loop. Create it with [New]; the zero
// value is not usable.
type Loop struct {
	mu   sync.Mutex // guards the registration state below; never held while waiting or in a callback
	cond sync.Cond  // signalled (with mu) when the loop leaves its wait; Close waits on it

	poller  poller                 // guarded by mu for updates; wait runs without mu on the loop goroutine
	backend backend                // immutable after New
	wake    sysfd.Collapsing       // fds set to -1 by Close; guarded by mu (Pending is lock-free)
	stopReq atomic.Bool            // Stop was called and Run has not yet seen it
	running atomic.Bool            // Run or RunOnce is executing (misuse check)
	closed  atomic.Bool            // set once by Close, under mu
	polling bool                   // the loop goroutine is in (or about to enter) its wait; guarded by mu
	round   uint64                 // iteration number, advanced before each wait; guarded by mu
	gen     uint32                 // last fd entry generation handed out; guarded by mu
	fds     map[int]*fdEntry       // watched fds; guarded by mu
	timers  timerheap.Heap[*Timer] // armed timers; guarded by mu

	// Buffers reused by every iteration; loop goroutine only.
	ready []readyFD // fd deliveries collected from one wait
	fire  []*Timer  // timers expired in one iteration
	errs  []error   // callback errors of one iteration
}

var _ hooks.OSEvents = (*Loop)(nil)

// New creates a loop. Its fds (the epoll instance, the wake eventfd or pipe)
// are close-on-exec from creation. Release them with [Loop.Close].
func New() (*Loop, error) { return newLoop(backendDefault) }

// newLoop creates a loop on backend b.
func newLoop(b backend) (*Loop, error) {
	l := &Loop{fds: make(map[int]*fdEntry), timers: timerheap.New(timerOf)}
	l.cond.L = &l.mu
	var err error
	switch b {
	case backendDefault:
		l.backend = defaultBackend
	case backendEpoll, backendPoll:
		l.backend = b
	default:
		return nil, invalid("backend %v", b)
	}
	if l.wake.Waker, err = sysfd.NewWaker(); err != nil {
		return nil, err
	}
	if l.backend == backendEpoll {
		l.poller, err = newEpollPoller(l.wake.R)
	} else {
		l.poller, err = newPollPoller(l.wake.R)
	}
	if err != nil {
		l.wake.Close()
		return nil, err
	}
	return l, nil
}

// Wake makes the loop's current or next wait return at once. It may be
// called from any goroutine; calls made before the loop gets round to
// waking collapse into one write.
func (l *Loop) Wake() error {
	if l.closed.Load() {
		return errClosed
	}
	if l.wake.Pending() {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return errClosed
	}
	return l.wakeLocked()
}

// wakeLocked writes to the wake fd unless a write is already pending.
// Caller holds mu (so that Close cannot release the fd meanwhile).
func (l *Loop) wakeLocked() error { return l.wake.Wake() }

// changedLocked is called after every registration change that the loop
// must see before its next wait (needWake): if the loop goroutine is
// blocked, the change comes from another goroutine and the loop is woken;
// otherwise the loop will recompute before waiting anyway.
func (l *Loop) changedLocked(needWake bool) {
	if needWake && l.polling {
		_ = l.wakeLocked() // a failed write leaves the loop to its timeout; nothing better to do
	}
}

// Stop makes Run return after the iteration in progress; if Run is not
// running, the next Run returns at once. It may be called from any
// goroutine, including callbacks.
func (l *Loop) Stop() {
	l.stopReq.Store(true)
	_ = l.Wake() // errClosed: Run returns anyway
}

// Close releases the loop's fds, stops every watcher and disarms every
// timer. It may be called from any goroutine, including a callback (the
// rest of that iteration's events are then dropped). If the loop goroutine
// is blocked waiting, Close wakes it and waits until it has left the wait.
// Close is idempotent: a later call does nothing and returns nil. After
// Close, the loop's other methods (and those of its watchers and timers)
// return an error wrapping fs.ErrClosed.
func (l *Loop) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return nil
	}
	l.closed.Store(true)
	if l.polling {
		_ = l.wakeLocked()
		for l.polling {
			l.cond.Wait()
		}
	}
	for fd, e := range l.fds {
		for _, w := range e.watchers {
			w.active = false
		}
		delete(l.fds, fd)
	}
	l.timers.Clear(func(t *Timer) { t.state = timerIdle })
	return errors.Join(l.poller.close(), l.wake.Close())
}

// Err returns nil while the loop is open and an error wrapping
// fs.ErrClosed once it is closed (hooks.Closer).
func (l *Loop) Err() error {
	if l.closed.Load() {
		return errClosed
	}
	return nil
}
