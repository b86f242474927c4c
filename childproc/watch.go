package childproc

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Watch reports the exit of a process that other code started and will
// reap itself, typically the Process of an *exec.Cmd, to onExit on the
// loop goroutine, as for a spawned child, with no thread waiting for it.
// The parent never reaps a watched process: when onExit runs the process
// is a zombie whose status (and Usage) onExit received, and the owner's
// own wait (exec.Cmd.Wait) then returns at once with the same status.
//
// Cmd.Wait can still block after that while exec.Cmd's own goroutines copy
// the child's stdio (a descendant holding a pipe open, with Stdout an
// io.Writer that is not an *os.File), so call it from another goroutine,
// never on the loop goroutine. Waiting for the process before onExit ran
// takes its status from the parent, which then reports Status.Err
// wrapping ErrStatusLost.
//
// The returned Child signals through the process's own pidfd (Signal,
// Stop, deadlines); Disown stops watching; Close stops watching without
// signalling. Watch needs pidfd reaping (Linux ≥ 5.4, and not the per-pid
// scan): otherwise the error wraps errors.ErrUnsupported. It refuses a
// ModeReapAll parent (its wait4(-1) would take the status from the owner) and
// a process already waited for or released, with an error wrapping
// os.ErrInvalid. Watch panics if onExit is nil.
func (c *Parent) Watch(p *os.Process, onExit func(*Child, Status)) (*Child, error) {
	if onExit == nil {
		panic("childproc: Watch with nil callback")
	}
	if p == nil {
		return nil, invalid("watch: nil *os.Process")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.watchableLocked(p.Pid); err != nil {
		return nil, err
	}
	fd, err := dupHandle(p)
	if err != nil {
		return nil, err
	}
	return c.recordWatchLocked(&Child{pid: p.Pid, ctx: c, onExit: onExit, pidfd: fd, watch: true}, nil)
}

// watchableLocked says whether the parent can watch pid, a process it
// does not reap. ctx.mu held.
func (c *Parent) watchableLocked(pid int) error {
	if err := c.usableLocked(); err != nil {
		return err
	}
	switch {
	case c.mode == ModeReapAll:
		return invalid("watch: a ModeReapAll parent would reap the watched process itself")
	case !c.traits.pidfd:
		return fmt.Errorf("childproc: watch: %w", errPidfdUnsupported)
	}
	if err := c.hearsLocked(); err != nil {
		return fmt.Errorf("childproc: watch: %w", err)
	}
	if _, dup := c.children[pid]; dup {
		return invalid("watch: pid %d is already a child of this parent", pid)
	}
	return nil
}

// recordWatchLocked records a watched process and arms lt (when not nil);
// on error nothing stays recorded. ctx.mu held.
func (c *Parent) recordWatchLocked(ch *Child, lt *lifetime) (*Child, error) {
	c.recordLocked(ch)
	err := c.addLocked(ch)
	if err == nil && lt != nil {
		if err = ch.armLocked(lt, nil); err != nil {
			c.reaper.remove(ch)
		}
	}
	if err != nil {
		if !ch.borrowed {
			closePidfd(ch) // a duplicate the reaper never took
		}
		c.forgetLocked(ch, Status{Err: err})
		return nil, err
	}
	return ch, nil
}

// WatchSpec describes a process for StartWatched. Only OnExit is required.
type WatchSpec struct {
	// SysProcAttr is what the caller would start the process with. It is
	// never written: start receives it, or a copy adjusted for Config.Tree
	// (a process group, or a cgroup to be born into) that the caller may
	// keep.
	SysProcAttr *syscall.SysProcAttr
	// Timeout, StopSignal and Grace bound the process's life as Cmd's do;
	// a stop reaches its tree.
	Timeout    time.Duration
	StopSignal syscall.Signal
	Grace      time.Duration
	// OnExit runs on the loop goroutine once the process has exited, as
	// Watch's does; the process is then a zombie for its owner to reap.
	OnExit func(ch *Child, st Status)
}

// StartWatched starts a process with start (typically a function that sets
// an *exec.Cmd's SysProcAttr and calls its Start) under the parent's Tree
// mode and spec's Timeout, and watches it as Watch does, through the
// process's own pidfd rather than a duplicate: one fd per process, as with
// os/exec alone.
//
// That saving has a rule: the process must not be waited for or released
// (os.Process.Wait or Release, exec.Cmd.Wait) before OnExit has run, since
// that closes the pidfd the parent is watching, and OnExit would then
// never run. Package exec keeps the rule for its commands.
//
// An error from start is returned as it is, and nothing is left behind. A
// process that started but cannot be watched is sent SIGKILL (its tree,
// with a cgroup) and the error is returned: its owner must still reap it.
// Like Watch, StartWatched needs pidfd reaping (the error wraps
// errors.ErrUnsupported, and start is not called) and refuses a ModeReapAll
// context. It panics if spec, spec.OnExit or start is nil.
func (c *Parent) StartWatched(spec *WatchSpec, start func(*syscall.SysProcAttr) (*os.Process, error)) (*Child, error) {
	if spec == nil || spec.OnExit == nil || start == nil {
		panic("childproc: StartWatched with nil spec, OnExit or start")
	}
	lt, err := lifetimeOf(&Cmd{Timeout: spec.Timeout, StopSignal: spec.StopSignal, Grace: spec.Grace})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	err = c.watchableLocked(0)
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	// Not from the pool: the copy start receives may stay in its
	// caller's struct (an exec.Cmd's SysProcAttr) after the call.
	sa := &spawnAttr{attr: syscall.ProcAttr{Sys: spec.SysProcAttr}}
	tree, err := c.treeFor(sa)
	if err != nil {
		return nil, err
	}
	p, err := start(sa.attr.Sys)
	if err != nil {
		tree.spawned(err)
		return nil, err
	}
	ch, err := c.watchStarted(p, tree.ops(), lt, spec.OnExit)
	if err != nil {
		if ops := tree.ops(); ops != nil {
			c.mu.Lock()
			_ = ops.signal(&Child{pid: p.Pid, ctx: c, pidfd: -1}, syscall.SIGKILL)
			c.mu.Unlock()
		}
		_ = p.Kill()
		tree.spawned(err)
	}
	return ch, err
}

// watchStarted records p, borrowing its pidfd; a Process without one (its
// handle could not be had) gets a pidfd of the parent's own.
func (c *Parent) watchStarted(p *os.Process, tree treeOps, lt *lifetime, onExit func(*Child, Status)) (*Child, error) {
	fd, borrowed := -1, true
	if p.WithHandle(func(h uintptr) { fd = int(h) }) != nil {
		var err error
		if fd, err = pidfdOpen(p.Pid); err != nil {
			return nil, err
		}
		borrowed = false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.watchableLocked(p.Pid); err != nil {
		if !borrowed {
			unix.Close(fd)
		}
		return nil, err
	}
	ch := &Child{pid: p.Pid, ctx: c, onExit: onExit, pidfd: fd, watch: true, borrowed: borrowed, tree: tree}
	return c.recordWatchLocked(ch, lt)
}

// dupHandle duplicates p's pidfd for the parent's epoll set: p keeps its
// own, which its Wait and Signal use.
func dupHandle(p *os.Process) (int, error) {
	fd, derr := -1, error(nil)
	err := p.WithHandle(func(h uintptr) {
		fd, derr = unix.FcntlInt(h, unix.F_DUPFD_CLOEXEC, 0)
	})
	switch {
	case err != nil:
		return -1, invalid("watch: pid %d: %v", p.Pid, err)
	case derr != nil:
		return -1, os.NewSyscallError("fcntl", derr)
	}
	return fd, nil
}
