package childproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/childloop/childloop/internal/spawn"
)

// Cmd describes a child to spawn, shaped like os/exec's Cmd. Only Args and
// OnExit (or OnDone) are required.
type Cmd struct {
	// Path is the executable. When empty, Args[0] is looked up in PATH
	// (as exec.LookPath does) unless it contains a slash.
	Path string
	// Args is argv, including argv[0]. It must not be empty.
	Args []string
	// Env is the environment; nil means the parent's (os.Environ()).
	Env []string
	// Dir is the working directory; empty means the parent's.
	Dir string

	// Stdin is the child's fd 0, as the value's type says: nil is
	// /dev/null; an *os.File is given to the child as it is; an *Input is
	// a library pipe the loop feeds; a *bytes.Reader, *bytes.Buffer or
	// *strings.Reader is read at Spawn and fed as an Input's Data; a
	// *Terminal puts fd 0 on a pseudo-terminal. Other readers are an
	// error: the library starts no goroutine to copy one.
	Stdin io.Reader
	// Stdout and Stderr are fds 1 and 2: nil is /dev/null; an *os.File is
	// given to the child; a *Terminal puts the fd on the terminal; any
	// other writer gets a library pipe drained through the loop, each
	// chunk written to it on the loop goroutine, so its Write must not
	// block (an *Output keeps the output up to a bound). The same writer
	// in both gets both streams through one pipe, in the order the child
	// wrote them.
	Stdout, Stderr io.Writer

	// ExtraFiles become fds 3, 4, ... in the child.
	ExtraFiles []*os.File
	// SysProcAttr is passed to the spawn function unchanged (except that
	// the pidfd reaping strategy asks the kernel for a pidfd through it).
	SysProcAttr *syscall.SysProcAttr

	// Timeout, when positive, stops the child's tree that long after
	// Spawn; Child.SetDeadline moves or cancels the deadline while the
	// child runs. The status of a child stopped this way has a Cause
	// wrapping context.DeadlineExceeded. Deadlines are timeouts in the
	// application's loop: nothing waits in another goroutine.
	Timeout time.Duration
	// Context, when not nil, stops the child's tree once it is done, from
	// whichever goroutine cancels it (context.AfterFunc; no goroutine
	// waits meanwhile), with context.Cause as the status's Cause. A
	// Context already done is an error, and nothing is started.
	Context context.Context
	// StopSignal is what a stop sends first (default SIGTERM). If the
	// child is still alive Grace later (default DefaultGrace), its tree
	// gets SIGKILL and the status says Forced. StopSignal SIGKILL ends it
	// at once. Both apply to every stop that does not name its own
	// grace: Timeout, Context and a deadline set later with
	// Child.SetDeadline (Child.Stop takes its own), as package exec's
	// Grace does for its Timeout.
	StopSignal syscall.Signal
	Grace      time.Duration

	// DrainTimeout bounds, with library pipes, how long after the exit
	// the library waits for EOF on them (a descendant may hold one): 0
	// means DefaultDrainTimeout, a negative value waits however long it
	// takes. After a stop it applies even when negative
	// (DefaultDrainTimeout then), so that a descendant holding the pipes
	// cannot delay OnDone without bound.
	DrainTimeout time.Duration

	// OnExit runs once, on the loop goroutine, when the child has been
	// reaped: the earliest notice of its end. OnDone, with at least one
	// library pipe, runs once on the loop goroutine after OnExit, when
	// every output pipe reached EOF or DrainTimeout after the exit. OnExit
	// and OnDone may not both be nil.
	OnExit func(ch *Child, st Status)
	OnDone func(ch *Child, r *Result)
}

// Spawn starts cmd as a child of the parent and returns once the child has
// exec'd. An exec failure (missing executable, no permission) is returned
// here, never reported later as an exit. On success OnExit will run exactly
// once, unless the parent is closed first.
//
// Spawn panics if cmd is nil or has neither OnExit nor OnDone.
func (c *Parent) Spawn(cmd *Cmd) (*Child, error) {
	return c.spawnWith(cmd, c.spawnFn)
}

// forkFunc is syscall.ForkExec's signature: Config.Spawn's.
type forkFunc = func(argv0 string, argv []string, attr *syscall.ProcAttr) (pid int, err error)

// spawnWith is Spawn forking with fork.
func (c *Parent) spawnWith(cmd *Cmd, fork forkFunc) (*Child, error) {
	if cmd == nil || (cmd.OnExit == nil && cmd.OnDone == nil) {
		panic("childproc: Spawn with nil Cmd or without OnExit and OnDone")
	}
	if len(cmd.Args) == 0 {
		return nil, invalid("spawn: empty Cmd.Args")
	}
	path := cmd.Path
	if path == "" {
		path = cmd.Args[0]
		if !strings.Contains(path, "/") {
			lp, err := exec.LookPath(path)
			if err != nil {
				return nil, fmt.Errorf("childproc: spawn: %w", err)
			}
			path = lp
		}
	}
	lt, err := lifetimeOf(cmd)
	if err != nil {
		return nil, err
	}
	plan, err := planStdio(cmd)
	if err != nil {
		return nil, err
	}
	sa, err := newSpawnAttr(cmd, &plan)
	if err != nil {
		plan.closeAll()
		return nil, err
	}
	defer sa.release()
	tree, err := c.treeFor(sa)
	if err != nil {
		plan.closeAll()
		return nil, err
	}
	if plan.io != nil {
		if err := c.registerIO(plan.io); err != nil {
			tree.spawned(err) // removes a cell made for the child
			plan.closeAll()
			return nil, err
		}
	}
	onExit := cmd.OnExit
	if onExit == nil {
		onExit = func(*Child, Status) {}
	}
	sa.extra = spawnExtra{io: plan.io, tree: tree, life: lt, ctx: cmd.Context}
	ch, err := c.start(path, cmd.Args, sa, onExit, cmd, fork)
	tree.spawned(err)
	plan.closeChildEnds()
	if err != nil {
		plan.closeAll()
		return nil, err
	}
	return ch, nil
}

// start forks the child. Where the reaper allows it (reaperTraits.unlocked) the fork
// runs without c.mu, so the loop goes on reaping and other goroutines fork
// in parallel while this one waits for its child to exec; otherwise c.mu is
// held throughout, so that the loop cannot miss the exit of (or, with
// ModeReapAll, claim as foreign) a pid not yet recorded.
//
// Without c.mu: with pidfds an exit before recording stays visible on the
// level-triggered pidfd; with the per-pid scan, a collect pass that runs
// while the child is unrecorded may consume its SIGCHLD and skip it, which
// c.passes reveals and a self-pipe wake-up repairs. c.forking keeps the
// SIGCHLD subscription alive meanwhile (maybeLeaveLocked) and makes Close
// wait.
func (c *Parent) start(path string, argv []string, sa *spawnAttr, onExit func(*Child, Status), keep *Cmd, fork forkFunc) (*Child, error) {
	attr := &sa.attr
	unlocked := c.traits.unlocked
	c.mu.Lock()
	held := true
	defer func() {
		if held {
			c.mu.Unlock()
		}
	}()
	if err := c.usableLocked(); err != nil {
		return nil, err
	}
	if err := c.hearsLocked(); err != nil {
		return nil, fmt.Errorf("childproc: spawn: %w", err)
	}
	if err := c.joinLocked(); err != nil {
		return nil, err
	}
	// While some children are pidless the fds ran out lately: do not ask
	// the kernel for a pidfd it would fail to give at the end of the
	// clone; the reaper tries pidfd_open, cheaply, when recording. A
	// ModeOrphans parent always asks: a child forked without c.mu and
	// without a pidfd would look like an orphan until recorded.
	if c.traits.pidfd && (c.pidless == 0 || c.mode == ModeOrphans) {
		requestPidfd(sa)
	}
	passes := c.passes
	if unlocked {
		c.forking++
		c.mu.Unlock()
		held = false
	}
	pid, err := fork(path, argv, attr)
	runtime.KeepAlive(keep)
	if unlocked {
		c.mu.Lock()
		held = true
		if c.forking--; c.forking == 0 {
			c.forked.Broadcast()
		}
	}
	if err != nil && (errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)) && dropPidfd(sa) {
		// No fd left for the pidfd: spawn without one, holding c.mu, and
		// let the reaper watch the child through SIGCHLD (pidless).
		if err = c.usableLocked(); err == nil {
			pid, err = fork(path, argv, attr)
			runtime.KeepAlive(keep)
		}
	}
	if err != nil {
		c.maybeLeaveLocked()
		return nil, fmt.Errorf("childproc: spawn %s: %w", path, err)
	}
	pidfd := sa.pidfd // -1 unless clone gave one
	if err := c.usableLocked(); err != nil {
		// Closed (or forked away) while we forked without c.mu: the
		// child must not outlive the parent unseen.
		ch := &Child{pid: pid, ctx: c, pidfd: pidfd}
		killAndReap(ch)
		closePidfd(ch)
		return nil, err
	}
	ch, err := c.adoptLocked(pid, pidfd, true, onExit, &sa.extra)
	if err == nil && c.passes != passes && c.pipe != nil {
		c.pipe.Wake()
	}
	return ch, err
}

// Adopt makes an existing direct child of this process (started by other
// code, or by a Config.Spawn function outside Spawn) a child of the parent:
// its exit is then reported to onExit like a spawned child's. The caller
// must not wait for pid itself. Adopt panics if onExit is nil. A pid that is
// not an unreaped child of this process gives ErrUnknownChild; one that is
// not positive or already the parent's, an error wrapping os.ErrInvalid.
//
// The child may have exited already: a parent with a loop is woken to look,
// and a ModeApp parent, which learns of exits only when told, looks at
// that child itself before Adopt returns, running its callback (if it is
// gone) on the calling goroutine as SigchldOccurred would.
//
// What Adopt cannot promise: that nobody reaped the pid before it was
// recorded. Between the fork and Adopt, any wait4(-1) in the process — a
// ModeReapAll parent's own, or an application's reaper — may take the child;
// Adopt then fails (the status went to that reaper, for a ModeReapAll parent to
// OnForeignExit). Where such a reaper exists, fork with Parent.ForkNoexec
// or Parent.Spawn instead, which record the child before any reaper of the
// parent can see it.
func (c *Parent) Adopt(pid int, onExit func(*Child, Status)) (*Child, error) {
	if onExit == nil {
		panic("childproc: Adopt with nil callback")
	}
	if pid <= 0 {
		return nil, invalid("adopt: pid %d", pid)
	}
	c.mu.Lock()
	ch, err := c.adoptPidLocked(pid, onExit)
	if err != nil || c.mode != ModeApp {
		c.mu.Unlock()
		return ch, err
	}
	// Only the new child can have an exit nobody was told about; looking
	// at it alone keeps adopting n children O(n) with the per-pid scan.
	c.collectUnlock(ch)
	return ch, nil
}

// adoptPidLocked is Adopt's bookkeeping, with c.mu held.
func (c *Parent) adoptPidLocked(pid int, onExit func(*Child, Status)) (*Child, error) {
	if err := c.usableLocked(); err != nil {
		return nil, err
	}
	if err := c.hearsLocked(); err != nil {
		return nil, fmt.Errorf("childproc: adopt: %w", err)
	}
	if _, dup := c.children[pid]; dup {
		return nil, invalid("adopt: pid %d is already a child of this parent", pid)
	}
	if err := checkChildOfProcess(pid); err != nil {
		return nil, err
	}
	if err := c.joinLocked(); err != nil {
		return nil, err
	}
	ch, err := c.adoptLocked(pid, -1, false, onExit, nil)
	if err != nil {
		return nil, err
	}
	if c.pipe != nil {
		c.pipe.Wake()
	}
	return ch, nil
}

// adoptLocked records a child. If the reaper cannot watch it, a child we
// spawned is taken down again rather than left unreported; an adopted one
// belongs to the caller and is only let go.
func (c *Parent) adoptLocked(pid, pidfd int, spawned bool, onExit func(*Child, Status), x *spawnExtra) (*Child, error) {
	ch := &Child{pid: pid, ctx: c, onExit: onExit, pidfd: pidfd}
	if x != nil {
		ch.io, ch.tree = x.io, x.tree.ops()
	}
	c.recordLocked(ch)
	err := c.addLocked(ch)
	if err == nil && ch.io != nil {
		if err = ch.io.attach(ch); err != nil {
			c.reaper.remove(ch)
		}
	}
	if err == nil && x != nil && x.life != nil {
		if err = ch.armLocked(x.life, x.ctx); err != nil {
			c.reaper.remove(ch)
		}
	}
	if err != nil {
		closePidfd(ch) // one the reaper never took
		if spawned {
			c.exitedLocked(ch, killAndReap(ch), false)
			c.retireCellsLocked()
		} else {
			c.forgetLocked(ch, Status{Err: err})
		}
		c.maybeLeaveLocked()
		return nil, err
	}
	return ch, nil
}

// ForkExec is the spawn function contexts use unless Config.Spawn
// replaces it; a replacement can call it to keep its speed. It has
// syscall.ForkExec's signature and contract (it returns once the child has
// exec'd; an exec failure is returned, naming the failing call, with the
// child already reaped) but, on linux/amd64 and linux/arm64, no exec-status
// pipe: the vfork child reports a failure through memory it shares with
// the suspended parent. Children get syscall.ForkExec's RLIMIT_NOFILE (the
// soft limit from before the Go runtime raised it). SysProcAttr fields
// other than Setsid, Setpgid, Pgid, Credential, Pdeathsig, PidFD, Setctty,
// Ctty, UseCgroupFD and CgroupFD, and other platforms, go to
// syscall.ForkExec; see the README's Known limits.
// Its children copy only the fds below 1024 (or up to the highest fd they
// are given), so that a start costs the same next to 10000 children's
// pidfds, which it places above; an inheritable fd above that cut that is
// not given is not inherited, unlike with syscall.ForkExec.
func ForkExec(argv0 string, argv []string, attr *syscall.ProcAttr) (pid int, err error) {
	return spawn.ForkExec(argv0, argv, attr)
}

// devNull is a process-wide /dev/null opened once, close-on-exec, used for
// nil stdio.
var devNull = sync.OnceValues(func() (*os.File, error) {
	return os.OpenFile(os.DevNull, os.O_RDWR, 0)
})
