package childproc

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/osevent"
)

// Context runs child processes for one application loop. Create it with New;
// all its methods are safe for concurrent use from any goroutine; death
// callbacks run on the goroutine that delivers the loop's occurrences.
type Context struct {
	mode     Mode                     // immutable after New
	spawnFn  hooks.SpawnFunc          // immutable after New
	foreign  func(pid int, st Status) // immutable after New
	reg      *osevent.Registry        // immutable after New; internally synchronised
	strategy ReapStrategy             // immutable after New
	gen      uint32                   // forkGen at New; immutable
	closed   atomic.Bool              // set once, under mu; read lock-free by dispatch

	mu       sync.Mutex
	pipe     *selfPipe      // SIGCHLD self-pipe while a user; guarded by mu
	pipeReg  *osevent.FD    // pipe's read end in the loop; guarded by mu
	children map[int]*Child // live (unreaped) children by pid; guarded by mu
	reaper   reaper         // finds exited children; guarded by mu
	spare    []exit         // dispatch buffer reused across wake-ups; guarded by mu
	forking  int            // spawns forking without mu (see startUnlocked); guarded by mu
	forked   sync.Cond      // broadcast when forking drops to 0; L is &mu
	passes   uint64         // collect passes so far; guarded by mu
}

// exit is one collected death: a child of ours (ch != nil) or, in Always
// mode, a foreign pid.
type exit struct {
	ch  *Child
	pid int
	st  Status
}

// Option adjusts a Context at creation.
type Option func(*Context)

// WithReapStrategy chooses how the context finds which of its children
// exited. The default, ReapAuto, picks the fastest one the kernel supports.
func WithReapStrategy(s ReapStrategy) Option {
	return func(c *Context) { c.strategy = s }
}

// New creates a context that registers its fds and timeouts through ev (the
// application's loop, a loop.Loop, or an osevent.PollArray) and handles
// children as ch says. ev may be nil only in Mainloop mode, for a loop that
// cannot watch arbitrary fds: the context then reaps with ReapScan when told
// by SigchldOccurred or Reaped, and a strategy needing an fd fails with
// ErrBadConfig.
//
// In Always and AlwaysSelective mode the context becomes a SIGCHLD user at
// once and stays one until Close; in LibraryOwned mode only while it has
// children; in Mainloop mode never.
func New(ev hooks.OSEvents, ch hooks.ChildHooks, opts ...Option) (*Context, error) {
	if ev == nil {
		if ch.Mode != Mainloop {
			panic("childproc: New with nil hooks.OSEvents outside Mainloop mode")
		}
		ev = noHooks{}
	}
	if !ch.Mode.Valid() {
		return nil, fmt.Errorf("%w: unknown mode %v", ErrBadConfig, ch.Mode)
	}
	if ch.Mode == Always && ch.ForeignChild == nil {
		return nil, fmt.Errorf("%w: Always mode needs a ForeignChild callback", ErrBadConfig)
	}
	c := &Context{
		mode:     ch.Mode,
		spawnFn:  ch.Spawn,
		foreign:  ch.ForeignChild,
		gen:      currentForkGen(),
		children: make(map[int]*Child),
	}
	c.forked.L = &c.mu
	for _, o := range opts {
		o(c)
	}
	if c.spawnFn == nil {
		c.spawnFn = ForkExec
	}
	if c.mode == Always {
		users.mu.Lock()
		if users.always != nil {
			users.mu.Unlock()
			return nil, ErrAlwaysTaken
		}
		users.always = c
		users.mu.Unlock()
	}
	c.reg = osevent.New(ev)
	r, err := newReaper(c)
	if err != nil {
		c.releaseAlways()
		c.reg.Close()
		return nil, err
	}
	c.reaper = r
	if c.mode == Always || c.mode == AlwaysSelective {
		c.mu.Lock()
		err := c.joinLocked()
		c.mu.Unlock()
		if err != nil {
			c.releaseAlways()
			c.reaper.close()
			c.reg.Close()
			return nil, err
		}
	}
	return c, nil
}

// Mode reports the context's ownership mode.
func (c *Context) Mode() Mode { return c.mode }

// usableLocked reports why the context cannot be used, if it cannot.
func (c *Context) usableLocked() error {
	if c.gen != currentForkGen() {
		return ErrForked
	}
	if c.closed.Load() {
		return ErrClosed
	}
	return nil
}

// joinLocked makes the context a SIGCHLD user: self-pipe, loop registration,
// then publication to the signal source. On error nothing is left behind.
func (c *Context) joinLocked() error {
	if c.pipe != nil || c.mode == Mainloop || !c.reaper.needsSigchld() {
		return nil
	}
	p, err := newSelfPipe()
	if err != nil {
		return err
	}
	fd, err := c.reg.RegisterFD(p.R, hooks.In, c.sigchldReady)
	if err != nil {
		p.Close()
		return fmt.Errorf("childproc: registering SIGCHLD self-pipe: %w", err)
	}
	if err := addPipe(p); err != nil {
		fd.Deregister()
		p.Close()
		return err
	}
	c.pipe, c.pipeReg = p, fd
	return nil
}

// leaveLocked undoes joinLocked.
func (c *Context) leaveLocked() {
	if c.pipe == nil {
		return
	}
	removePipe(c.pipe)
	c.pipeReg.Deregister()
	c.pipe.Close()
	c.pipe, c.pipeReg = nil, nil
}

// maybeLeaveLocked drops SIGCHLD handling in LibraryOwned mode once no
// children are left.
func (c *Context) maybeLeaveLocked() {
	if c.mode == LibraryOwned && len(c.children) == 0 && c.forking == 0 {
		c.leaveLocked()
	}
}

// sigchldReady is the self-pipe's loop callback: drain, collect, dispatch.
func (c *Context) sigchldReady(fd int, _ hooks.Events) {
	c.mu.Lock()
	if c.pipe == nil || c.pipe.R != fd || c.usableLocked() != nil {
		c.mu.Unlock()
		return
	}
	// Drain before reaping: a SIGCHLD that lands after the drain leaves a
	// byte behind and causes another (perhaps empty) pass, never a loss.
	c.pipe.Drain()
	c.collectUnlock()
}

// collectUnlock reaps what is ready, releases c.mu (held on entry) and runs
// the death callbacks: one pass of every way the context learns of exits.
func (c *Context) collectUnlock() {
	ex := c.reaper.collect(c.spare[:0])
	c.spare = nil
	c.passes++
	c.mu.Unlock()
	c.dispatch(ex)
}

// record adds a freshly spawned or adopted child. mu held.
func (c *Context) recordLocked(ch *Child) {
	c.children[ch.pid] = ch
}

// forgetLocked removes a child that has been reaped (or abandoned at Close)
// and marks it done with st. mu held.
func (c *Context) forgetLocked(ch *Child, st Status) {
	if ch.gone {
		return
	}
	delete(c.children, ch.pid)
	ch.gone = true
	ch.status = st
	c.reaper.removed(ch)
}

// dispatch runs the death callbacks outside every lock, then hands the
// buffer back for reuse. A callback may spawn, kill or Close; after Close
// no further callbacks run.
func (c *Context) dispatch(ex []exit) {
	for i := range ex {
		if c.closed.Load() {
			break
		}
		e := ex[i]
		if e.ch != nil {
			e.ch.onExit(e.ch, e.st)
		} else if c.foreign != nil {
			c.foreign(e.pid, e.st)
		}
	}
	clear(ex)
	c.mu.Lock()
	if c.spare == nil {
		c.spare = ex[:0]
	}
	c.reaper.flush()
	// Leave the SIGCHLD user list only now: a callback that spawned a
	// replacement keeps the pipe, and the leaving cost is not paid before
	// the callbacks run.
	if c.usableLocked() == nil {
		c.maybeLeaveLocked()
	}
	c.mu.Unlock()
}

// Close ends the context. Children still running are sent SIGKILL and reaped
// before Close returns, so none is left as a zombie; their death callbacks
// are not run. A Spawn still forking when Close starts is waited for; it
// returns ErrClosed and its child is killed and reaped before Close returns. The SIGCHLD self-pipe is deregistered and closed, every fd
// and timeout registration is withdrawn from the loop, and in Always mode the
// process may create a new Always context afterwards.
//
// Close is idempotent and may be called from a death callback. Callbacks
// are not waited for: one already running on another goroutine may finish
// after Close returns, and one whose dispatch had passed its closed check
// when Close began may still start; none is dispatched after that. It blocks while a child refuses to die (for example
// in uninterruptible sleep).
func (c *Context) Close() error {
	c.mu.Lock()
	if c.gen != currentForkGen() {
		c.mu.Unlock()
		return ErrForked
	}
	if c.closed.Load() {
		c.mu.Unlock()
		return nil
	}
	c.closed.Store(true)
	// Spawns forking without mu see closed when they return, and kill
	// their child themselves; wait for that so none outlives Close.
	for c.forking > 0 {
		c.forked.Wait()
	}
	for _, ch := range c.children {
		c.forgetLocked(ch, killAndReap(ch))
	}
	c.leaveLocked()
	c.reaper.close()
	c.mu.Unlock()
	c.releaseAlways()
	c.reg.Close()
	return nil
}

func (c *Context) releaseAlways() {
	users.mu.Lock()
	if users.always == c {
		users.always = nil
	}
	users.mu.Unlock()
}

// Len reports how many children the context has not yet reaped.
func (c *Context) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.children)
}

// pidfdReady is the pidfd epoll set's loop callback.
func (c *Context) pidfdReady(int, hooks.Events) {
	c.mu.Lock()
	if c.usableLocked() != nil {
		c.mu.Unlock()
		return
	}
	c.collectUnlock()
}
