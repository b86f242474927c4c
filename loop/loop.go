package loop

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/sysfd"
)

// ErrClosed is returned by methods of a Loop (and of its watchers and
// timers) after [Loop.Close].
var ErrClosed = errors.New("loop: closed")

// ErrInvalid is wrapped by the errors returned for bad arguments: a nil
// callback, a negative fd, an event mask with bits other than
// [hooks.Requestable], a stopped watcher, a foreign registration.
var ErrInvalid = errors.New("loop: invalid argument")

// ErrNotArmed is returned by ModifyTimeout for a timeout that already fired
// or was deregistered.
var ErrNotArmed = errors.New("loop: timeout not armed (fired or deregistered)")

// ErrUnsupported is returned by [New] for a backend this system lacks.
var ErrUnsupported = errors.New("loop: backend not supported on this system")

// Backend selects the system call the loop waits in.
type Backend int

const (
	// BackendDefault is epoll on Linux and poll elsewhere.
	BackendDefault Backend = iota
	// BackendEpoll uses epoll(7); Linux only.
	BackendEpoll
	// BackendPoll uses poll(2); every unix system.
	BackendPoll
)

// String returns the backend's name.
func (b Backend) String() string {
	switch b {
	case BackendDefault:
		return "default"
	case BackendEpoll:
		return "epoll"
	case BackendPoll:
		return "poll"
	}
	return fmt.Sprintf("Backend(%d)", int(b))
}

// Option configures [New].
type Option func(*config)

// config is what the options set; used only inside New.
type config struct {
	backend Backend
}

// WithBackend chooses the backend (default: [BackendDefault]).
func WithBackend(b Backend) Option {
	return func(c *config) { c.backend = b }
}

// Loop is a single-goroutine event loop. Create it with [New]; the zero
// value is not usable.
type Loop struct {
	mu   sync.Mutex // guards the registration state below; never held while waiting or in a callback
	cond sync.Cond  // signalled (with mu) when the loop leaves its wait; Close waits on it

	poller  poller           // guarded by mu for updates; wait runs without mu on the loop goroutine
	backend Backend          // immutable after New
	wake    sysfd.Collapsing // fds set to -1 by Close; guarded by mu (Pending is lock-free)
	stopReq atomic.Bool      // Stop was called and Run has not yet seen it
	running atomic.Bool      // Run or RunOnce is executing (misuse check)
	closed  atomic.Bool      // set once by Close, under mu
	polling bool             // the loop goroutine is in (or about to enter) its wait; guarded by mu
	round   uint64           // iteration number, advanced before each wait; guarded by mu
	gen     uint32           // last fd entry generation handed out; guarded by mu
	fds     map[int]*fdEntry // watched fds; guarded by mu
	timers  timerHeap        // armed timers; guarded by mu
	armed   uint64           // timers armed so far, for FIFO order; guarded by mu

	// Buffers reused by every iteration; loop goroutine only.
	ready []readyFD // fd deliveries collected from one wait
	fire  []*Timer  // timers expired in one iteration
	errs  []error   // callback errors of one iteration
}

var _ hooks.OSEvents = (*Loop)(nil)

// New creates a loop. Its fds (the epoll instance, the wake eventfd or pipe)
// are close-on-exec from creation. Release them with [Loop.Close].
func New(opts ...Option) (*Loop, error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	l := &Loop{fds: make(map[int]*fdEntry)}
	l.cond.L = &l.mu
	var err error
	switch c.backend {
	case BackendDefault:
		l.backend = defaultBackend
	case BackendEpoll, BackendPoll:
		l.backend = c.backend
	default:
		return nil, fmt.Errorf("%w: backend %v", ErrInvalid, c.backend)
	}
	if l.wake.Waker, err = sysfd.NewWaker(); err != nil {
		return nil, err
	}
	if l.backend == BackendEpoll {
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

// Backend reports the backend in use.
func (l *Loop) Backend() Backend { return l.backend }

// Wake makes the loop's current or next wait return at once. It may be
// called from any goroutine; calls made before the loop gets round to
// waking collapse into one write.
func (l *Loop) Wake() error {
	if l.closed.Load() {
		return ErrClosed
	}
	if l.wake.Pending() {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return ErrClosed
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
	_ = l.Wake() // ErrClosed: Run returns anyway
}

// Close releases the loop's fds, stops every watcher and disarms every
// timer. It may be called from any goroutine, including a callback (the
// rest of that iteration's events are then dropped). If the loop goroutine
// is blocked waiting, Close wakes it and waits until it has left the wait.
// Later calls, and most methods, return ErrClosed.
func (l *Loop) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return ErrClosed
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
	for _, t := range l.timers {
		t.state, t.index = timerIdle, -1
	}
	l.timers = nil
	return errors.Join(l.poller.close(), l.wake.Close())
}
