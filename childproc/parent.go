package childproc

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/cgroup"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/sigchld"
	"github.com/childloop/childloop/internal/spawn"
	"github.com/childloop/childloop/internal/sysfd"
	"github.com/childloop/childloop/osevent"
)

// Parent runs child processes for one application loop. Create it with New;
// all its methods are safe for concurrent use from any goroutine; death
// callbacks run on the goroutine that delivers the loop's occurrences.
type Parent struct {
	mode     Mode                     // immutable after New
	spawnFn  forkFunc                 // immutable after New
	startFn  forkFunc                 // the spawners' (Start): spawnFn, or ForkExec yielding the P; immutable after New
	yields   bool                     // startFn yields the P; immutable after New
	foreign  func(pid int, st Status) // immutable after New
	reg      *osevent.Registry        // immutable after New; internally synchronised
	strategy knob.Strategy            // immutable after New
	tree     Tree                     // TreeNone, TreeGroup or TreeCgroup; immutable after New
	cg       *cgroup.Group            // the children's cgroups with TreeCgroup, else nil; guarded by mu
	gen      uint32                   // forkGen at New; immutable
	closed   atomic.Bool              // set once, under mu; read lock-free by dispatch
	noLoop   bool                     // ModeApp without hooks; immutable after New
	spawn    spawners                 // Start's; synchronised on its own

	mu       sync.Mutex
	pipe     *sysfd.Waker          // SIGCHLD self-pipe while a user; guarded by mu
	pipeReg  *osevent.FD           // pipe's read end in the loop; guarded by mu
	children map[int]*Child        // live (unreaped) children by pid; guarded by mu
	reaper   reaper                // finds exited children; guarded by mu
	traits   reaperTraits          // what the reaper asks of start; immutable after New
	spare    []exit                // dispatch buffer reused across wake-ups; guarded by mu
	retire   []*cellTree           // ended children's cells, recycled or removed after their callbacks; guarded by mu
	forking  int                   // spawns forking without mu (see start); guarded by mu
	forked   sync.Cond             // broadcast when forking drops to 0; L is &mu
	passes   uint64                // collect passes so far; guarded by mu
	draining map[*childIO]struct{} // reaped children whose pipes are still open; guarded by mu
	pidless  int                   // pidfd parent: children recorded without one since it last had none; guarded by mu
}

// reapAll is the open ModeReapAll or ModeOrphans parent, if any: at most
// one per process.
var reapAll struct {
	mu sync.Mutex
	p  *Parent // guarded by mu
}

// New creates a parent that registers its fds and timeouts through ev (the
// application's loop, a loop.Loop, or an osevent.PollArray) and handles
// children as cfg says; see Config. ev may be nil only with ModeApp, for
// a loop that cannot watch arbitrary fds: the parent
// then checks each of its children with wait4 when told by SigchldOccurred.
// An invalid Config gives an error wrapping os.ErrInvalid.
//
// With ModeReapAll or ModeKeep the parent handles SIGCHLD at once and until
// Close; by default only while it has children (and with pidfds not at all);
// with ModeApp never.
func New(ev hooks.OSEvents, cfg Config) (*Parent, error) {
	return newContext(ev, cfg, knob.CurrentStrategy())
}

// newContext is New with reap strategy s.
func newContext(ev hooks.OSEvents, cfg Config, s knob.Strategy) (*Parent, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	m := cfg.Mode
	if ev == nil {
		if m != ModeApp {
			panic("childproc: New with nil hooks.OSEvents without Config.Mode ModeApp")
		}
		ev = noHooks{}
	}
	_, noLoop := ev.(noHooks)
	c := &Parent{
		mode:     m,
		spawnFn:  cfg.Spawn,
		foreign:  cfg.OnForeignExit,
		strategy: s,
		tree:     cfg.Tree,
		gen:      sigchld.Gen(),
		children: make(map[int]*Child),
		noLoop:   noLoop,
	}
	c.forked.L = &c.mu
	c.startFn = c.spawnFn
	if c.spawnFn == nil {
		c.spawnFn, c.startFn, c.yields = ForkExec, spawn.ForkExecYielding, true
	}
	if cfg.reapsForeign() {
		reapAll.mu.Lock()
		if reapAll.p != nil {
			reapAll.mu.Unlock()
			return nil, ErrReapAllInUse
		}
		reapAll.p = c
		reapAll.mu.Unlock()
	}
	c.reg = osevent.New(ev)
	r, tr, err := newReaper(c)
	if err != nil {
		c.releaseReapAll()
		c.reg.Close()
		return nil, err
	}
	c.reaper, c.traits = r, tr
	if c.mode == ModeReapAll || c.mode == ModeKeep || c.mode == ModeOrphans {
		c.mu.Lock()
		err := c.joinLocked()
		c.mu.Unlock()
		if err != nil {
			c.releaseReapAll()
			c.reaper.close()
			c.reg.Close()
			return nil, err
		}
	}
	// Last: a group made is a directory to remove on any later failure.
	if err := c.openTree(&cfg); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// usableLocked reports why the parent cannot be used, if it cannot.
func (c *Parent) usableLocked() error {
	if c.gen != sigchld.Gen() {
		return ErrForked
	}
	if c.closed.Load() {
		return errClosed
	}
	return nil
}

// hearsLocked says whether the parent can still learn of exits: outside
// ModeApp it learns of them through registrations in the application's
// loop, and a closed loop (hooks.Closer) would never deliver them, so a
// child started then would be neither reported nor reaped. ctx.mu held.
func (c *Parent) hearsLocked() error {
	if c.mode == ModeApp {
		return nil // the application tells the parent
	}
	return c.reg.Err()
}

// joinLocked makes the parent a SIGCHLD user if its reaper hears every
// exit through SIGCHLD: before a fork, so that no exit goes unheard.
func (c *Parent) joinLocked() error {
	if !c.traits.sigchld {
		return nil
	}
	_, err := c.listenLocked()
	return err
}

// listenLocked makes the parent a SIGCHLD user: self-pipe, loop
// registration, then publication to the signal source. joined reports
// that it was not one before. On error nothing is left behind.
func (c *Parent) listenLocked() (joined bool, err error) {
	if c.pipe != nil || c.mode == ModeApp {
		return false, nil
	}
	p, err := sigchld.NewPipe()
	if err != nil {
		return false, err
	}
	fd, err := c.reg.RegisterFD(p.R, hooks.In, c.sigchldReady)
	if err != nil {
		p.Close()
		return false, fmt.Errorf("childproc: registering SIGCHLD self-pipe: %w", err)
	}
	if err := sigchld.Add(p); err != nil {
		fd.Deregister()
		p.Close()
		return false, err
	}
	c.pipe, c.pipeReg = p, fd
	return true, nil
}

// addLocked has the reaper watch ch, just recorded, and listens to SIGCHLD
// if the reaper now hears ch through it. On error the reaper does not
// watch ch. mu held.
func (c *Parent) addLocked(ch *Child) error {
	sig, err := c.reaper.add(ch)
	if err != nil || !sig {
		return err
	}
	if c.traits.pidfd {
		c.pidless++ // the fds ran out
	}
	joined, err := c.listenLocked()
	if err != nil {
		c.reaper.remove(ch)
		return err
	}
	if joined {
		// ch was forked before the parent listened: look once.
		c.pipe.Wake()
	}
	return nil
}

// leaveLocked undoes joinLocked.
func (c *Parent) leaveLocked() {
	if c.pipe == nil {
		return
	}
	sigchld.Remove(c.pipe)
	c.pipeReg.Deregister()
	c.pipe.Close()
	c.pipe, c.pipeReg = nil, nil
}

// maybeLeaveLocked drops SIGCHLD handling once no children are left, unless
// the Config asks to keep it.
func (c *Parent) maybeLeaveLocked() {
	if len(c.children) == 0 {
		c.pidless = 0
	}
	if c.mode == ModeOwn && len(c.children) == 0 && c.forking == 0 {
		c.leaveLocked()
	}
}

// sigchldReady is the self-pipe's loop callback: drain, collect, dispatch.
func (c *Parent) sigchldReady(fd int, _ hooks.Events) {
	c.mu.Lock()
	if c.pipe == nil || c.pipe.R != fd || c.usableLocked() != nil {
		c.mu.Unlock()
		return
	}
	// Drain before reaping: a SIGCHLD that lands after the drain leaves a
	// byte behind and causes another (perhaps empty) pass, never a loss.
	c.pipe.Drain()
	c.collectUnlock(nil)
}

// collectUnlock reaps what is ready, settles each exit's Status, releases
// c.mu (held on entry) and runs the death callbacks: one pass of every way
// the parent learns of exits. With only non-nil, the pass follows the
// recording of that child alone and may look at nothing else.
func (c *Parent) collectUnlock(only *Child) {
	ex := c.reaper.collect(only, c.spare[:0])
	c.spare = nil
	c.passes++
	for i := range ex {
		if e := &ex[i]; e.ch != nil {
			c.exitedLocked(e.ch, e.st, e.kept)
		}
	}
	c.mu.Unlock()
	c.dispatch(ex)
}

// recordLocked adds a freshly spawned, adopted or watched child. mu held.
func (c *Parent) recordLocked(ch *Child) {
	c.children[ch.pid] = ch
}

// exitedLocked forgets a child that has exited, with its final Status:
// its tree ends first (leftovers killed, usage read) while a kept zombie
// still reserves its pid, which is then reaped. mu held.
func (c *Parent) exitedLocked(ch *Child, st Status, kept bool) {
	if ch.tree != nil {
		st.TreeUsage = ch.tree.ended(ch)
	}
	if kept {
		reapZombie(ch.pid)
	}
	c.forgetLocked(ch, st)
}

// dropLocked lets a live child go (Disown, a watched process at Close):
// the reaper stops watching it and it is forgotten with st. mu held.
func (c *Parent) dropLocked(ch *Child, st Status) {
	c.reaper.remove(ch)
	c.forgetLocked(ch, st)
}

// forgetLocked removes a child from the parent and marks it done with st,
// completed with the cause of a stop. The reaper no longer watches it.
// mu held.
func (c *Parent) forgetLocked(ch *Child, st Status) {
	if ch.gone {
		return
	}
	delete(c.children, ch.pid)
	ch.gone = true
	if lt := ch.life; lt != nil {
		ch.endLifeLocked()
		if st.Err == nil {
			st.Cause, st.Forced = lt.cause, lt.forced
		}
	}
	ch.status = st
	if ch.io != nil {
		// Its pipes outlive the record until OnDone; Close must still
		// find them.
		if c.draining == nil {
			c.draining = make(map[*childIO]struct{})
		}
		c.draining[ch.io] = struct{}{}
	}
}

// dispatch runs the death callbacks outside every lock, then hands the
// buffer back for reuse. A callback may
// spawn, kill or Close; after Close no further callbacks run.
func (c *Parent) dispatch(ex []exit) {
	for i := range ex {
		e := &ex[i]
		if c.closed.Load() {
			// No more callbacks.
		} else if e.ch != nil {
			c.deliver(e.ch)
		} else if c.foreign != nil {
			c.foreign(e.pid, e.st)
		}
	}
	clear(ex)
	c.mu.Lock()
	if c.spare == nil {
		c.spare = ex[:0]
	}
	c.retireCellsLocked()
	// Leave the SIGCHLD user list only now: a callback that spawned a
	// replacement keeps the pipe, and the leaving cost is not paid before
	// the callbacks run.
	if c.usableLocked() == nil {
		c.maybeLeaveLocked()
	}
	c.mu.Unlock()
}

// deliver runs a forgotten child's callbacks, outside every lock. Its
// status is final: nothing writes it once the child is gone.
func (c *Parent) deliver(ch *Child) {
	ch.onExit(ch, ch.status)
	if ch.io != nil {
		c.exitedIO(ch.io, ch.status)
	}
}

// Close ends the context. Children still running are sent SIGKILL and reaped
// before Close returns, so none is left as a zombie; their death callbacks
// are not run. Watched processes (Watch) are only let go: their owners
// reap them. A Spawn still forking when Close starts is waited for; it
// returns an error wrapping fs.ErrClosed, and its child is killed and reaped
// before Close returns. Starts still queued are dropped, without their
// started callbacks, and the spawner goroutines have ended when Close
// returns. The SIGCHLD self-pipe is deregistered and closed,
// every fd and timeout registration is withdrawn from the loop, and with
// ModeReapAll the process may open another ModeReapAll parent afterwards. With
// TreeCgroup, whatever is still in the parent's cgroups (descendants of
// children already reaped, too) is killed and the cgroups are removed;
// Close waits up to about a second for killed processes to leave them, and
// returns an error naming any cgroup it could not remove.
//
// Close is idempotent (a later call does nothing and returns nil) and may
// be called from a death callback. Callbacks are not waited for: one
// already running on another goroutine may finish after Close returns, and
// one whose dispatch had passed its closed check when Close began may still
// start; none is dispatched after that. Close blocks while a child refuses
// to die (for example in uninterruptible sleep). After noexec.PostforkChild
// it returns ErrForked and touches nothing.
func (c *Parent) Close() error {
	if c.gen == sigchld.Gen() {
		c.stopSpawners()
		// After the rest of Close: a spawner in Spawn returns once Close
		// releases mu.
		defer c.waitSpawners()
	}
	c.mu.Lock()
	if c.gen != sigchld.Gen() {
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
		if ch.watch {
			c.dropLocked(ch, Status{Err: errClosed}) // its owner's: not ours to kill
			continue
		}
		st := killAndReap(ch)
		c.reaper.remove(ch)
		c.exitedLocked(ch, st, false)
		ch.abandonIO()
	}
	for cio := range c.draining {
		cio.abandon()
	}
	c.draining = nil
	c.leaveLocked()
	c.reaper.close()
	err := c.closeTreeLocked()
	c.mu.Unlock()
	c.releaseReapAll()
	c.reg.Close()
	return err
}

func (c *Parent) releaseReapAll() {
	reapAll.mu.Lock()
	if reapAll.p == c {
		reapAll.p = nil
	}
	reapAll.mu.Unlock()
}

// Len reports how many children the parent has not yet reaped.
func (c *Parent) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.children)
}

// pidfdReady is the pidfd epoll set's loop callback.
func (c *Parent) pidfdReady(int, hooks.Events) {
	c.mu.Lock()
	if c.usableLocked() != nil {
		c.mu.Unlock()
		return
	}
	c.collectUnlock(nil)
}
