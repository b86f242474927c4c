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
	ep     int               // private epoll fd, -1 once closed
	reg    *osevent.FD       // ep's registration in the application's loop; nil with ModeApp
	events []unix.EpollEvent // epoll_wait buffer, reused
	kids   map[int]*Child    // children in the epoll set, by pid (the events' data)
	// pidless watches the children for which no pidfd could be had
	// (EMFILE: the process's fds ran out) the portable way, through
	// SIGCHLD and wait4(pid), for as long as they live.
	pidless *scanReaper
}

// newPidfdReaper makes the epoll set and registers it in reg with ready as
// its callback; reg is nil with ModeApp, where the application tells the
// parent when to look (SigchldOccurred) and a loop watching the set as
// well would race the application's own reaper for the same exits.
func newPidfdReaper(reg *osevent.Registry, ready func(int, hooks.Events)) (reaper, error) {
	r, err := newPidfdSet(reg, ready)
	if err != nil {
		return nil, err // not a nil *pidfdReaper in an interface
	}
	return r, nil
}

// newPidfdSet is newPidfdReaper's concrete reaper.
func newPidfdSet(reg *osevent.Registry, ready func(int, hooks.Events)) (*pidfdReaper, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	r := &pidfdReaper{ep: ep, events: make([]unix.EpollEvent, 256), kids: make(map[int]*Child), pidless: newScanReaper()}
	if reg == nil {
		return r, nil
	}
	if r.reg, err = reg.RegisterFD(ep, hooks.In, ready); err != nil {
		unix.Close(ep)
		return nil, err
	}
	return r, nil
}

// add puts ch's pidfd in the set, opening one if the spawn gave none
// (a Config.Spawn replacement, a spawn without a pidfd, or an adopted
// child: unreaped, so its pid cannot have been reused yet). Where the
// process has no fd left, ch is watched pidless; the first such child
// also demotes two that have pidfds, freeing the fds of the SIGCHLD
// self-pipe that the parent must now open.
func (r *pidfdReaper) add(ch *Child) (bool, error) {
	if ch.pidfd < 0 {
		fd, err := unix.PidfdOpen(ch.pid, unix.PIDFD_NONBLOCK)
		if err == unix.EMFILE || err == unix.ENFILE {
			if len(r.pidless.kids) == 0 {
				r.demote(2)
			}
			return r.pidless.add(ch)
		}
		if err != nil {
			return false, os.NewSyscallError("pidfd_open", err)
		}
		ch.pidfd = fd
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(ch.pid)}
	if err := unix.EpollCtl(r.ep, unix.EPOLL_CTL_ADD, ch.pidfd, &ev); err != nil {
		return false, os.NewSyscallError("epoll_ctl", err)
	}
	r.kids[ch.pid] = ch
	return false, nil
}

// demote closes the pidfds of up to n live children and watches them
// pidless instead. A watched process is skipped: it has no pid of ours
// to wait4.
func (r *pidfdReaper) demote(n int) {
	for pid, ch := range r.kids {
		if n == 0 {
			return
		}
		if ch.watch {
			continue
		}
		r.drop(ch)
		r.pidless.kids[pid] = ch
		n--
	}
}

// drop takes ch's pidfd out of the set and closes it, unless it is
// borrowed (its owner closes it).
func (r *pidfdReaper) drop(ch *Child) {
	delete(r.kids, ch.pid)
	_ = unix.EpollCtl(r.ep, unix.EPOLL_CTL_DEL, ch.pidfd, nil)
	if !ch.borrowed {
		unix.Close(ch.pidfd)
	}
	ch.pidfd = -1
}

func (r *pidfdReaper) remove(ch *Child) {
	if r.kids[ch.pid] == ch {
		r.drop(ch)
		return
	}
	r.pidless.remove(ch)
}

// waitPidfd reads an exited child's status and resource usage through its
// pidfd and reaps it in the same call; with keep it only peeks (WNOWAIT).
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

// collect makes one epoll_wait pass (only changes nothing: a pass is
// O(ready pidfds) already). More ready pidfds than the buffer holds keep
// the set readable, so the loop calls again.
func (r *pidfdReaper) collect(_ *Child, out []exit) []exit {
	if r.ep < 0 {
		return out
	}
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
	if len(r.pidless.kids) > 0 {
		out = r.pidless.collect(nil, out)
	}
	for i := 0; i < n; i++ {
		ch := r.kids[int(r.events[i].Fd)]
		if ch == nil {
			continue // reaped by this pass's predecessor, its pidfd not closed yet
		}
		// One waitid reaps a plain child, as a hand-written loop would.
		// A peek keeps the zombie: a watched process is its owner's to
		// reap, and a process-group child's pid (its group's id) must
		// stay reserved until its leftovers are killed. A cgroup child's
		// leftovers are killed through its cgroup.
		keep := ch.watch || (ch.tree != nil && ch.tree.byPid())
		st, done := waitPidfd(ch.pidfd, keep)
		if !done {
			continue
		}
		// Out of the set, and closed (unless it is a watched process's
		// own): before the callback, so that the parent's Close, which
		// may come from another goroutine while the callback runs,
		// leaves no pidfd behind. Deleting it from the set first
		// matters: a child between its clone and its exec holds a copy
		// of every fd, and the set would report the exited pidfd until
		// it let go.
		e := exit{ch: ch, pid: ch.pid, st: st, kept: keep && st.Err == nil && !ch.watch}
		r.drop(ch)
		out = append(out, e)
	}
	return out
}

func (r *pidfdReaper) close() {
	for _, ch := range r.kids {
		r.drop(ch)
	}
	r.pidless.close()
	if r.ep < 0 {
		return
	}
	if r.reg != nil {
		r.reg.Deregister()
	}
	unix.Close(r.ep)
	r.ep = -1
}

// pidfdOpen opens a pidfd for pid, close-on-exec (as every pidfd is).
func pidfdOpen(pid int) (int, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return -1, os.NewSyscallError("pidfd_open", err)
	}
	return fd, nil
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
func (r *pidfdReaper) pidlessLen() int { return len(r.pidless.kids) }
