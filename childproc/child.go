package childproc

import (
	"errors"
	"fmt"
	"github.com/childloop/childloop/internal/sigchld"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Child is a process spawned (or adopted) by a Parent. Its methods are safe
// for concurrent use.
type Child struct {
	pid    int                  // immutable
	ctx    *Parent              // immutable
	onExit func(*Child, Status) // immutable; never nil
	pidfd  int                  // pidfd or -1; guarded by ctx.mu, closed when reaped
	gone   bool                 // reaped, disowned or abandoned at Close: no longer in ctx.children; guarded by ctx.mu
	status Status               // final status once gone; guarded by ctx.mu
	io     *childIO             // library pipes, or nil; immutable (internally synchronised)
	tree   treeOps              // the child's tree with TreeCgroup or TreeGroup, else nil; immutable
	life   *lifetime            // deadline and stop state, nil until needed; guarded by ctx.mu
	watch  bool                 // Watch: reaped by its owner, never by the parent; immutable
	// borrowed: pidfd is the owner's own (StartWatched), taken out of the
	// epoll set before the owner may close it and never closed here;
	// immutable.
	borrowed bool
}

// Pid returns the child's process id.
func (ch *Child) Pid() int { return ch.pid }

// Signal sends sig to the child. Once the child has been reaped it returns
// os.ErrProcessDone instead of signalling a pid that may have been reused. (Between
// the child's exit and its reaping the pid still names the zombie, so the
// signal cannot reach another process.)
func (ch *Child) Signal(sig syscall.Signal) error {
	return ch.whileLive(func() error { return ch.signalLocked(sig) })
}

// signalLocked is Signal with ctx.mu held and the child live.
func (ch *Child) signalLocked(sig syscall.Signal) error {
	if ch.pidfd >= 0 {
		if err := pidfdSignal(ch.pidfd, sig); err != nil {
			return os.NewSyscallError("pidfd_send_signal", err)
		}
		return nil
	}
	if err := unix.Kill(ch.pid, sig); err != nil {
		return os.NewSyscallError("kill", err)
	}
	return nil
}

// whileLive runs fn with the parent's mutex held if the child has not been
// reaped (so its pid still names it, or its zombie); os.ErrProcessDone
// otherwise.
func (ch *Child) whileLive(fn func() error) error {
	c := ch.ctx
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != sigchld.Gen() {
		return ErrForked
	}
	if ch.gone {
		return os.ErrProcessDone
	}
	return fn()
}

// SignalGroup sends sig to the child's process group (kill(-pid, sig)),
// which reaches grandchildren that stayed in it. It is meant for children
// that lead their own group (SysProcAttr.Setpgid or Setsid). Like Signal it
// returns os.ErrProcessDone once the child has been reaped: until then the zombie
// keeps the group id from being reused.
func (ch *Child) SignalGroup(sig syscall.Signal) error {
	return ch.whileLive(func() error {
		if err := unix.Kill(-ch.pid, sig); err != nil {
			return os.NewSyscallError("kill", err)
		}
		return nil
	})
}

// Kill sends SIGKILL.
func (ch *Child) Kill() error { return ch.Signal(syscall.SIGKILL) }

// Status returns the child's final status and true once it has been reaped
// (the death callback may still be about to run), or false while it lives.
func (ch *Child) Status() (Status, bool) {
	ch.ctx.mu.Lock()
	defer ch.ctx.mu.Unlock()
	return ch.status, ch.gone
}

// String returns "child <pid>".
func (ch *Child) String() string { return fmt.Sprintf("child %d", ch.pid) }

// killAndReap ends a child at Close: SIGKILL, then a blocking wait for that
// pid only. ctx.mu held.
func killAndReap(ch *Child) Status {
	_ = unix.Kill(ch.pid, unix.SIGKILL)
	_, st, err := wait4(ch.pid, 0)
	if err != nil {
		return lostStatus("wait4", err)
	}
	return st
}

// closePidfd closes a child's pidfd if it has one. ctx.mu held.
func closePidfd(ch *Child) {
	if ch.pidfd >= 0 {
		unix.Close(ch.pidfd)
		ch.pidfd = -1
	}
}

// Disown stops the parent from watching the child without signalling it:
// its death callbacks will not run, its library pipes are closed (the
// child then gets EPIPE or EOF on them), and the caller becomes responsible for
// reaping the pid (with wait4 or waitid). It returns os.ErrProcessDone if
// the child has already been reaped.
//
// A child in a cgroup of its own (TreeCgroup) cannot be disowned: the
// error wraps errors.ErrUnsupported, since the parent's Close ends
// everything in its cgroups.
func (ch *Child) Disown() error {
	return ch.whileLive(func() error {
		if _, ok := ch.tree.(*cellTree); ok {
			return fmt.Errorf("childproc: disown: %w: the child has a cgroup of its own, which the parent's Close kills", errors.ErrUnsupported)
		}
		ch.ctx.dropLocked(ch, Status{Err: ErrDisowned})
		ch.abandonIO()
		delete(ch.ctx.draining, ch.io)
		ch.ctx.maybeLeaveLocked()
		return nil
	})
}
