//go:build linux

// Pidfd reaping needs Linux ≥ 5.4 and uses four kernel features:
// clone(CLONE_PIDFD) (5.2) for spawned children, pidfd_open (5.3) for adopted
// ones, pidfd_send_signal (5.1) for Signal, and waitid(P_PIDFD) (5.4) to
// reap. Support is probed once, for all four (an emulator such as qemu-user
// may offer pidfd_open without CLONE_PIDFD); without any of them contexts
// fall back to the per-pid scan.

package childproc

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"syscall"
	"unsafe"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/spawn"
	"github.com/childloop/childloop/osevent"
	"golang.org/x/sys/unix"
)

var errPidfdUnsupported = fmt.Errorf("needs Linux 5.4 or later (clone CLONE_PIDFD, pidfd_open, pidfd_send_signal, waitid P_PIDFD): %w", errors.ErrUnsupported)

// pidfdSupported is the probe of every pidfd feature the reaper uses.
var pidfdSupported = spawn.PidfdSupported

func requestPidfd(sa *spawnAttr) {
	sa.ownSys().PidFD = &sa.pidfd
}

// dropPidfd takes the library's own pidfd request out of sa, reporting
// whether there was one. A pidfd the caller asked for in its SysProcAttr
// stays: the caller's struct is never written, and the spawn then fails.
func dropPidfd(sa *spawnAttr) bool {
	if !sa.sysMine || sa.sys.PidFD != &sa.pidfd {
		return false
	}
	sa.sys.PidFD = nil
	return true
}

func pidfdSignal(pidfd int, sig syscall.Signal) error {
	return unix.PidfdSendSignal(pidfd, sig, nil, 0)
}

// pidfdReaper keeps one pidfd per child in a private epoll set; that set's
// fd is the only one registered in the application's loop. A readable pidfd
// names exactly the child that exited, so a wake-up costs O(exits), not
// O(children), and no SIGCHLD is involved.
type pidfdReaper struct {
	c      *Parent
	ep     int               // private epoll fd, -1 once closed; guarded by ctx.mu
	reg    *osevent.FD       // ep's registration in the application's loop; nil with ModeApp
	events []unix.EpollEvent // epoll_wait buffer, reused; guarded by ctx.mu
	done   []doneChild       // exited children to reap and release in flush; guarded by ctx.mu
	// pidless are children for which no pidfd could be had (EMFILE: the
	// process's fds ran out): they are watched the portable way, through
	// SIGCHLD and wait4(pid), for as long as they live. Guarded by ctx.mu.
	pidless map[int]*Child
}

// doneChild is a child that left the parent: its pidfd (or -1 once
// closed) and, for a tree child peeked with WNOWAIT, its pid (else 0),
// still a zombie until treeEnded reaps it.
type doneChild struct {
	pid, pidfd int
}

func newPidfdReaper(c *Parent) (reaper, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	r := &pidfdReaper{c: c, ep: ep, events: make([]unix.EpollEvent, 256)}
	if c.mode == ModeApp {
		// The application tells the parent when to look
		// (SigchldOccurred); a loop watching the set as well would race
		// the application's own reaper for the same exits.
		return r, nil
	}
	reg, err := c.reg.RegisterFD(ep, hooks.In, c.pidfdReady)
	if err != nil {
		unix.Close(ep)
		return nil, err
	}
	r.reg = reg
	return r, nil
}

func (r *pidfdReaper) wantsPidfd() bool { return true }

// forksUnlocked: the pidfd is level-triggered, so an exit before the child
// is recorded stays visible. Not with ModeApp, where the application may
// reap with wait4(-1) and hand Reaped a pid not yet recorded.
func (r *pidfdReaper) forksUnlocked() bool { return r.c.mode != ModeApp }

func (r *pidfdReaper) needsSigchld() bool { return len(r.pidless) > 0 }

func (r *pidfdReaper) added(ch *Child) error {
	if ch.pidfd < 0 {
		// Spawned by a Config.Spawn replacement or without a pidfd (see
		// Parent.start), or adopted: the child is unreaped, so its pid
		// cannot have been reused yet.
		fd, err := unix.PidfdOpen(ch.pid, unix.PIDFD_NONBLOCK)
		if err == unix.EMFILE || err == unix.ENFILE {
			return r.addPidless(ch)
		}
		if err != nil {
			return os.NewSyscallError("pidfd_open", err)
		}
		ch.pidfd = fd
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(ch.pid)}
	if err := unix.EpollCtl(r.ep, unix.EPOLL_CTL_ADD, ch.pidfd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// removed defers releasing the child until flush, after the death
// callbacks: closing the pidfd (and reaping a zombie kept for a tree or a
// watch) then no longer stands between the exit and the callback.
// Meanwhile the pidfd may be reported again; collect ignores pids it no
// longer knows.
func (r *pidfdReaper) removed(ch *Child) {
	if ch.pidfd < 0 {
		delete(r.pidless, ch.pid)
		return
	}
	if ch.borrowed {
		r.unborrow(ch)
		return
	}
	r.done = append(r.done, doneChild{pid: 0, pidfd: ch.pidfd}) // not peeked: nothing to reap
	ch.pidfd = -1
}

// flush closes the pidfds of children that left the context. A tree
// child's zombie (pid > 0) stays for treeEnded, which runs just before its
// callback: a flush can come first, from a pass nested in another's
// callbacks (ModeApp's SigchldOccurred or Adopt) or from the end of a
// nested dispatch, and reaping then would free the pid before the kill of
// its group. A child disowned or killed at Close was never peeked: reaping
// it is its new owner's business, or already done.
func (r *pidfdReaper) flush() {
	kept := r.done[:0]
	for _, d := range r.done {
		if d.pidfd >= 0 {
			if r.ep >= 0 {
				_ = unix.EpollCtl(r.ep, unix.EPOLL_CTL_DEL, d.pidfd, nil)
			}
			unix.Close(d.pidfd)
			d.pidfd = -1
		}
		if d.pid > 0 {
			kept = append(kept, d)
		}
	}
	clear(r.done[len(kept):])
	r.done = kept
}

func (r *pidfdReaper) treeEnded(ch *Child) {
	for i, d := range r.done {
		if d.pid == ch.pid && d.pid > 0 {
			reapZombie(d.pid)
			if d.pidfd >= 0 {
				// Not flushed yet: flush only closes it now.
				r.done[i].pid = 0
			} else {
				r.done = slices.Delete(r.done, i, i+1)
			}
			return
		}
	}
}

// reapZombie reaps pid, a zombie whose status was already read.
func reapZombie(pid int) {
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil); err != unix.EINTR {
			return
		}
	}
}

// waitPidfd reads an exited child's status and resource usage through its
// pidfd and reaps it in the same call; with keep it only peeks (WNOWAIT),
// so the pid stays reserved until treeEnded reaps it.
func waitPidfd(pidfd int, keep bool) (st Status, done bool) {
	var info unix.Siginfo
	var ru syscall.Rusage
	opts := unix.WEXITED | unix.WNOHANG
	if keep {
		opts |= unix.WNOWAIT
	}
	for {
		// The kernel fills ru as wait4 would, with WNOWAIT as well; both
		// Rusage types are the kernel's struct rusage.
		err := unix.Waitid(unix.P_PIDFD, pidfd, &info, opts, (*unix.Rusage)(unsafe.Pointer(&ru)))
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return lostStatus("waitid", err), true
		}
		pid, st := siginfoChild(&info)
		if pid == 0 {
			return st, false
		}
		st.Usage = usageOf(&ru)
		return st, true
	}
}

// collectNew is collect: a pass is O(ready pidfds) already.
func (r *pidfdReaper) collectNew(_ *Child, out []exit) []exit { return r.collect(out) }

// collect makes one epoll_wait pass. More ready pidfds than the buffer
// holds keep the set readable, so the loop calls again; a second pass here
// would instead see this pass's reaped pidfds again (they stay in the set,
// readable, until flush).
func (r *pidfdReaper) collect(out []exit) []exit {
	if r.ep < 0 {
		return out
	}
	r.flush()
	var n int
	for {
		var err error
		n, err = unix.EpollWait(r.ep, r.events, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return out
		}
		break
	}
	out = r.collectPidless(out)
	for i := 0; i < n; i++ {
		ch := r.c.children[int(r.events[i].Fd)]
		if ch == nil || ch.pidfd < 0 {
			continue
		}
		// One waitid reaps a plain child, as a hand-written loop would.
		// A peek keeps the zombie: a watched process is its owner's to
		// reap, and a tree child's pid (its process group's id) must stay
		// reserved until its leftovers are killed, just before its
		// callbacks (treeEnded reaps it then).
		keep := ch.watch || ch.tree != nil
		if st, done := waitPidfd(ch.pidfd, keep); done {
			if ch.borrowed {
				// Out of the set before the callback lets the owner
				// wait, which closes the pidfd.
				r.unborrow(ch)
				r.c.forgetLocked(ch, st)
				out = append(out, exit{ch: ch, pid: ch.pid, st: st})
				continue
			}
			// Take the pidfd over from removed; flush closes it, and
			// reaps a zombie that was only peeked.
			d := doneChild{pidfd: ch.pidfd}
			if keep && st.Err == nil && !ch.watch {
				d.pid = ch.pid
			}
			ch.pidfd = -1
			r.c.forgetLocked(ch, st)
			r.done = append(r.done, d)
			out = append(out, exit{ch: ch, pid: ch.pid, st: st})
		}
	}
	return out
}

// unborrow takes a borrowed pidfd out of the epoll set and forgets it:
// its owner closes it.
func (r *pidfdReaper) unborrow(ch *Child) {
	if r.ep >= 0 {
		_ = unix.EpollCtl(r.ep, unix.EPOLL_CTL_DEL, ch.pidfd, nil)
	}
	ch.pidfd = -1
}

// pidfdOpen opens a pidfd for pid, close-on-exec (as every pidfd is).
func pidfdOpen(pid int) (int, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return -1, os.NewSyscallError("pidfd_open", err)
	}
	return fd, nil
}

// addPidless watches ch without a pidfd: through the SIGCHLD self-pipe,
// which the parent joins now if it had no reason to before, and a wake-up
// so that an exit before the join is not missed.
func (r *pidfdReaper) addPidless(ch *Child) error {
	if r.pidless == nil {
		r.pidless = make(map[int]*Child)
	}
	r.pidless[ch.pid] = ch
	joined := r.c.pipe != nil
	err := r.c.joinLocked()
	for tries := 0; err != nil && errors.Is(err, unix.EMFILE) && tries < 2 && r.demoteOne(); tries++ {
		// The self-pipe needs two fds: free them from children that
		// had pidfds, which then join the pidless ones.
		err = r.c.joinLocked()
	}
	if err != nil {
		delete(r.pidless, ch.pid)
		return err
	}
	if !joined && r.c.pipe != nil {
		// The child was forked before the parent listened to SIGCHLD:
		// look once. Later pidless children fork with the pipe joined.
		r.c.pipe.Wake()
	}
	return nil
}

// demoteOne closes the pidfd of one live child and watches it pidless
// instead, freeing an fd; false if no child has one.
func (r *pidfdReaper) demoteOne() bool {
	for pid, ch := range r.c.children {
		if ch.pidfd < 0 || ch.watch {
			continue // a watched process has no pid of ours to wait4
		}
		_ = unix.EpollCtl(r.ep, unix.EPOLL_CTL_DEL, ch.pidfd, nil)
		unix.Close(ch.pidfd)
		ch.pidfd = -1
		r.pidless[pid] = ch
		return true
	}
	return false
}

// collectPidless reaps the pidless children that exited (wait4 per pid,
// as the scan reaper does).
func (r *pidfdReaper) collectPidless(out []exit) []exit {
	for pid, ch := range r.pidless {
		if st, done := reapPid(pid); done {
			r.c.forgetLocked(ch, st) // removed deletes it from pidless
			out = append(out, exit{ch: ch, pid: pid, st: st})
		}
	}
	return out
}

func (r *pidfdReaper) close() {
	r.flush()
	// Tree zombies whose callbacks will not run now (Close came between
	// their collect and their dispatch).
	for _, d := range r.done {
		reapZombie(d.pid)
	}
	clear(r.done)
	r.done = r.done[:0]
	clear(r.pidless)
	if r.ep < 0 {
		return
	}
	if r.reg != nil {
		r.reg.Deregister()
	}
	unix.Close(r.ep)
	r.ep = -1
}

// checkChildOfProcess makes sure pid is an unreaped child of this process
// (waitid with WNOWAIT looks without reaping); anything else could never be
// reaped by the context.
func checkChildOfProcess(pid int) error {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
		switch err {
		case nil:
			return nil
		case unix.EINTR:
			continue
		case unix.ECHILD:
			return fmt.Errorf("childproc: adopt: %w: pid %d is not an unreaped child of this process", ErrUnknownChild, pid)
		}
		return os.NewSyscallError("waitid", err)
	}
}

// pidlessLen is for tests. ctx.mu held.
func (r *pidfdReaper) pidlessLen() int { return len(r.pidless) }
