package childproc

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Watch reports the exit of a process that other code started and will
// reap itself, typically the Process of an *exec.Cmd, to onExit on the
// loop goroutine, as for a spawned child, with no thread waiting for it.
// The context never reaps a watched process: when onExit runs the process
// is a zombie whose status (and Usage) onExit received, and the owner's
// own wait (exec.Cmd.Wait) then returns at once with the same status.
//
// Cmd.Wait can still block after that while exec.Cmd's own goroutines copy
// the child's stdio (a descendant holding a pipe open, with Stdout an
// io.Writer that is not an *os.File), so call it from another goroutine,
// never on the loop goroutine. Waiting for the process before onExit ran
// takes its status from the context, which then reports Status.Err
// wrapping ErrStatusLost.
//
// The returned Child signals through the process's own pidfd (Signal,
// Stop, deadlines); Disown stops watching; Close stops watching without
// signalling. Watch needs pidfd reaping (Linux ≥ 5.4, and not the per-pid
// scan): otherwise the error wraps errors.ErrUnsupported. It refuses a
// ReapAll context (its wait4(-1) would take the status from the owner) and
// a process already waited for or released, with an error wrapping
// os.ErrInvalid. Watch panics if onExit is nil.
func (c *Context) Watch(p *os.Process, onExit func(*Child, Status)) (*Child, error) {
	if onExit == nil {
		panic("childproc: Watch with nil callback")
	}
	if p == nil {
		return nil, invalid("watch: nil *os.Process")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usableLocked(); err != nil {
		return nil, err
	}
	switch {
	case c.mode == modeReapAll:
		return nil, invalid("watch: a ReapAll context would reap the watched process itself")
	case !c.reaper.wantsPidfd():
		return nil, fmt.Errorf("childproc: watch: %w", errPidfdUnsupported)
	}
	if _, dup := c.children[p.Pid]; dup {
		return nil, invalid("watch: pid %d is already a child of this context", p.Pid)
	}
	fd, err := dupHandle(p)
	if err != nil {
		return nil, err
	}
	ch := &Child{pid: p.Pid, ctx: c, onExit: onExit, pidfd: fd, watch: true}
	c.recordLocked(ch)
	if err := c.reaper.added(ch); err != nil {
		c.forgetLocked(ch, Status{Err: err})
		return nil, err
	}
	return ch, nil
}

// dupHandle duplicates p's pidfd for the context's epoll set: p keeps its
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
