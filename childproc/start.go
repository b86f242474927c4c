package childproc

// Start: spawning off the caller's goroutine.
//
// Spawn returns once the child has exec'd; the vfork clone suspends the
// calling thread until then. A loop that spawns from its callbacks thus
// spends that wait on its own goroutine, one child at a time, while it
// could be reaping. Start hands the Cmd to the parent's spawner
// goroutines instead, which call Spawn; the caller goes on at once. The
// hand-off is a queue: a spawner that finds more work takes it without
// being woken, and the started callbacks go back to the loop in batches
// through one eventfd whose wakes collapse, so under load neither
// direction costs a wake-up per child.
//
// Go keeps a goroutine's P through a vfork clone (syscall.ForkExec does
// too), so with GOMAXPROCS spawners in the clone nothing else runs, the
// loop included, while the CPUs wait for the children's exec. The
// spawners therefore fork with spawn.ForkExecYielding, which gives the P
// up for the wait as a blocking system call does, and there are more of
// them than Ps.

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/sysfd"
	"github.com/childloop/childloop/osevent"
)

// startReq is one Start on its way: queued for a spawner, then spawned
// and queued for the loop.
type startReq struct {
	cmd     Cmd // the caller's, with OnExit wrapped
	started func(*Child, error)
	told    atomic.Bool // started has run (on the loop, or first thing in OnExit)
	ch      *Child
	err     error
}

// spawners is a parent's Start machinery.
type spawners struct {
	mu      sync.Mutex
	work    sync.Cond   // signalled when queue gains work or stop is set; L is &mu
	queue   []*startReq // to spawn
	idle    int         // spawners waiting for work
	running int         // spawner goroutines
	stop    bool
	done    sync.WaitGroup

	tellMu sync.Mutex
	tell   []*startReq // spawned, started not yet called

	waker *sysfd.Collapsing // wakes the loop to call them; made by the first Start, guarded by mu
	reg   *osevent.FD       // waker's registration; guarded by mu
}

// maxSpawners bounds the spawner goroutines. A spawner that yields its P
// (the default fork) waits in the vfork clone on a thread of its own and
// uses no CPU meanwhile, so there may be many: the more children are
// starting at once, the more exits each loop pass reaps. On 2 CPUs, 64
// children in flight, 32 spawners started 1.3× as many static children a
// second as 2 did, at 0.8× the parent CPU each (docs/design.md). A
// Config.Spawn function keeps its P, and more spawners than Ps would only
// wait for one.
func (c *Parent) maxSpawners() int {
	n := max(1, runtime.GOMAXPROCS(0))
	if c.yields {
		return min(maxYieldingSpawners, 16*n)
	}
	return n
}

// maxYieldingSpawners caps the threads that Start's vfork waits may hold.
const maxYieldingSpawners = 64

// Start is Spawn without the wait: the parent's spawner goroutines spawn
// cmd while the caller goes on, so that a loop which starts children from
// its callbacks keeps reaping while they fork and exec, on another CPU.
// started runs once, on the loop goroutine, with the Child, or with the
// error Spawn would have returned, in which case no other callback of cmd
// runs. For a started child it runs before OnExit: when the exit is
// collected first, OnExit calls it (with ModeApp, on the goroutine that
// told the parent of SIGCHLD).
//
// Spawners take Cmds in the order of the Start calls, several at once, so
// children may finish starting in another order. With the default fork a
// spawner gives up its P while its thread waits for the child's exec, so
// there are up to 16 per GOMAXPROCS (at most 64), each holding a thread
// while it forks; with a Config.Spawn function, up to GOMAXPROCS. Start
// returns an error only for a closed parent, or one without hooks (ModeApp
// without a loop), which has no loop to run started on. Starts still queued
// when the parent is closed are dropped without a callback, like the OnExit
// of a child the parent kills at Close. Start panics if cmd or started is
// nil, or cmd has neither OnExit nor OnDone.
func (c *Parent) Start(cmd *Cmd, started func(ch *Child, err error)) error {
	if cmd == nil || started == nil || (cmd.OnExit == nil && cmd.OnDone == nil) {
		panic("childproc: Start with nil Cmd or started, or a Cmd without OnExit and OnDone")
	}
	if c.noLoop {
		return fmt.Errorf("childproc: start: %w", errNoHooks)
	}
	r := &startReq{cmd: *cmd, started: started}
	onExit := cmd.OnExit
	r.cmd.OnExit = func(ch *Child, st Status) {
		if r.told.CompareAndSwap(false, true) {
			r.started(ch, nil)
		}
		if onExit != nil {
			onExit(ch, st)
		}
	}
	s := &c.spawn
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop || c.closed.Load() {
		return errClosed
	}
	if s.waker == nil {
		if err := c.openWaker(); err != nil {
			return err
		}
		s.work.L = &s.mu
	}
	s.queue = append(s.queue, r)
	switch {
	case s.idle > 0:
		s.work.Signal()
	case s.running < c.maxSpawners():
		s.running++
		s.done.Add(1)
		go c.spawner()
	}
	return nil
}

// spawner spawns queued Cmds until the parent closes.
func (c *Parent) spawner() {
	s := &c.spawn
	defer s.done.Done()
	s.mu.Lock()
	for {
		for len(s.queue) == 0 && !s.stop {
			s.idle++
			s.work.Wait()
			s.idle--
		}
		if s.stop {
			s.running--
			s.mu.Unlock()
			return
		}
		r, waker := s.queue[0], s.waker
		s.queue[0] = nil
		s.queue = s.queue[1:]
		s.mu.Unlock()
		r.ch, r.err = c.spawnWith(&r.cmd, c.startFn)
		c.tellLater(r, waker)
		s.mu.Lock()
	}
}

// openWaker makes the waker that calls started on the loop goroutine.
// spawn.mu held.
func (c *Parent) openWaker() error {
	s := &c.spawn
	w, err := sysfd.NewWaker()
	if err != nil {
		return err
	}
	waker := &sysfd.Collapsing{Waker: w}
	reg, err := c.reg.RegisterFD(waker.R, hooks.In, func(int, hooks.Events) { c.tellStarted(waker) })
	if err != nil {
		waker.Close()
		return err
	}
	s.waker, s.reg = waker, reg
	return nil
}

// tellLater queues r's started callback for the loop and wakes it (a
// wake already pending covers this one).
func (c *Parent) tellLater(r *startReq, waker *sysfd.Collapsing) {
	s := &c.spawn
	s.tellMu.Lock()
	s.tell = append(s.tell, r)
	s.tellMu.Unlock()
	_ = waker.Wake() // fails only once closed, when nothing is told any more
}

// tellStarted runs, on the loop goroutine, the started callbacks queued
// so far.
func (c *Parent) tellStarted(waker *sysfd.Collapsing) {
	s := &c.spawn
	s.mu.Lock()
	if s.waker != waker { // closed, and its fd perhaps reused
		s.mu.Unlock()
		return
	}
	waker.Drain()
	s.mu.Unlock()
	s.tellMu.Lock()
	batch := s.tell
	s.tell = nil
	s.tellMu.Unlock()
	for i, r := range batch {
		batch[i] = nil
		if c.closed.Load() {
			continue
		}
		if r.err != nil {
			r.started(nil, r.err)
		} else if r.told.CompareAndSwap(false, true) {
			r.started(r.ch, nil)
		}
	}
}

// stopSpawners ends the spawner goroutines and drops what is queued;
// wait waits for them to be gone.
func (c *Parent) stopSpawners() {
	s := &c.spawn
	s.mu.Lock()
	s.stop = true
	clear(s.queue)
	s.queue = nil
	if s.waker != nil {
		s.work.Broadcast()
	}
	s.mu.Unlock()
}

// waitSpawners waits for the spawner goroutines to end (after
// stopSpawners) and closes the waker.
func (c *Parent) waitSpawners() {
	s := &c.spawn
	s.done.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waker != nil {
		s.reg.Deregister()
		s.waker.Close()
		s.waker, s.reg = nil, nil
	}
}
