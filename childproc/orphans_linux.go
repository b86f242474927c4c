//go:build linux

package childproc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/osevent"
	"golang.org/x/sys/unix"
)

// pidfsMagic is the f_type of a pidfd on Linux ≥ 6.9 (pidfs): there each
// process has an inode of its own, shared by every pidfd that refers to it
// and never reused.
const pidfsMagic = 0x50494446

// orphanReaper is ModeOrphans: the parent's own children through pidfds,
// as by default, and on every pass the orphans — zombie children of the
// process that are not the parent's, that no pidfd in the process refers to
// (os/exec holds one for each of its children, from the clone on), and
// that were not left alone (Parent.LeaveAlone).
//
// A pass peeks at the first zombie (waitid P_ALL with WNOWAIT). If it is an
// orphan it is reaped and the pass peeks again; a pass that meets someone
// else's zombie first, or many orphans, lists the process's children
// (/proc/self/task/*/children), looks for zombies among them, and reaps
// those that are orphans. Whether a zombie has a pidfd is decided from a
// scan of the process's fds made after the zombie was seen, so that a
// child os/exec started a moment ago cannot be taken for an orphan.
type orphanReaper struct {
	*pidfdReaper
	alone    map[int]bool // pids left alone (LeaveAlone), until they are no longer children
	pidfsDev uint64       // the device of pidfs inodes, or 0 where pidfds are anonymous inodes
	held     map[uint64]bool
	fdDir    int    // /proc/self/fd, open for scanHeld; -1 without /proc
	dents    []byte // getdents buffer, reused
	one      [1]int // unheld's argument for a single zombie, without an allocation

	again   *osevent.Registry       // for the look-again timeout
	look    func(int, hooks.Events) // runs a pass (the parent's pidfd callback)
	recheck *osevent.Timeout        // the last look-again timeout (Close deregisters it)
	armed   atomic.Bool             // recheck is armed and has not fired
	backoff time.Duration
}

func newOrphanReaper(reg *osevent.Registry, ready func(int, hooks.Events)) (reaper, error) {
	if !pidfdSupported() {
		return nil, fmt.Errorf("childproc: Config.Mode orphans: %w", errPidfdUnsupported)
	}
	if err := checkSubreaper(); err != nil {
		return nil, err
	}
	pr, err := newPidfdSet(reg, ready)
	if err != nil {
		return nil, err
	}
	dir, err := unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		dir = -1 // every zombie then counts as held: orphans are left
	}
	return &orphanReaper{pidfdReaper: pr, alone: map[int]bool{}, pidfsDev: pidfsDev(),
		held: map[uint64]bool{}, fdDir: dir, dents: make([]byte, 8192), again: reg, look: ready}, nil
}

// checkSubreaper fails unless orphans can reach this process: it must be
// PID 1 or a child subreaper.
func checkSubreaper() error {
	if os.Getpid() == 1 {
		return nil
	}
	var on int32
	if err := unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&on)), 0, 0, 0); err != nil {
		return os.NewSyscallError("prctl PR_GET_CHILD_SUBREAPER", err)
	}
	if on == 0 {
		return invalid("Config.Mode orphans: no orphan is reparented to this process; make it a child subreaper first (prctl PR_SET_CHILD_SUBREAPER) or run it as PID 1")
	}
	return nil
}

// pidfsDev returns the device of pidfs inodes, or 0 where pidfds are
// not on pidfs (Linux < 6.9: one anonymous inode for all).
func pidfsDev() uint64 {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	var fs unix.Statfs_t
	var st unix.Stat_t
	if unix.Fstatfs(fd, &fs) != nil || fs.Type != pidfsMagic || unix.Fstat(fd, &st) != nil {
		return 0
	}
	return st.Dev
}

func (r *orphanReaper) collect(only *Child, out []exit) []exit {
	out = r.pidfdReaper.collect(only, out)
	return r.orphans(out)
}

func (r *orphanReaper) leaveAlone(pid int) { r.alone[pid] = true }

func (r *orphanReaper) close() {
	if r.recheck != nil {
		r.recheck.Deregister()
		r.recheck = nil
	}
	r.pidfdReaper.close()
	if r.fdDir >= 0 {
		unix.Close(r.fdDir)
		r.fdDir = -1
	}
}

// mine reports whether pid is the parent's or was left alone.
func (r *orphanReaper) mine(pid int) bool {
	return r.kids[pid] != nil || r.pidless.kids[pid] != nil || r.alone[pid]
}

// burst is how many orphans a pass reaps one peek (and one scan of the
// fds) at a time before it lists every child instead, so that one scan
// serves the rest: a scan costs O(fds), 1000 os/exec children hold 1000.
const burst = 2

func (r *orphanReaper) orphans(out []exit) []exit {
	for {
		blocked := false // the first zombie is someone else's
		for n := 0; n < burst; n++ {
			pid := peekZombie()
			if pid == 0 {
				r.settle(false)
				return out
			}
			r.one[0] = pid
			if r.mine(pid) || len(r.unheld(r.one[:])) == 0 {
				blocked = true
				break
			}
			out = reapOrphan(pid, out)
		}
		// Someone else's zombie is first, or orphans come in numbers:
		// look at every child. The list is read while children come and
		// go, and the kernel may skip some of them then: a pass that
		// reaped something peeks again, and one that stops behind
		// someone else's zombie looks again a little later.
		n := len(out)
		out = r.listed(out)
		if blocked && len(out) == n {
			r.settle(true)
			return out
		}
	}
}

// listed reaps the orphans among the zombies of the listed children.
func (r *orphanReaper) listed(out []exit) []exit {
	kids, err := children()
	if err != nil {
		return out // no /proc/…/children: orphans behind the first wait for it
	}
	for pid := range r.alone {
		if !kids[pid] && !isChild(pid) {
			delete(r.alone, pid) // reaped by its owner: the pid may be reused
		}
	}
	var zombies []int
	for pid := range kids {
		if !r.mine(pid) && isZombie(pid) {
			zombies = append(zombies, pid)
		}
	}
	for _, pid := range r.unheld(zombies) {
		out = reapOrphan(pid, out)
	}
	return out
}

// settle arms (blocked) or disarms the look-again timeout: while the first
// zombie is someone else's, an orphan the listing skipped would otherwise
// wait for the next SIGCHLD, and its owner reaping that zombie raises none.
// The delay doubles from 1 ms to 1 s while it stays so.
func (r *orphanReaper) settle(blocked bool) {
	if !blocked {
		r.backoff = 0
		return
	}
	if r.again == nil || !r.armed.CompareAndSwap(false, true) {
		return // no loop, or armed already
	}
	r.backoff = min(max(2*r.backoff, time.Millisecond), time.Second)
	t, err := r.again.RegisterTimeout(time.Now().Add(r.backoff), func() {
		r.armed.Store(false) // before the pass, which may arm it again
		r.look(-1, 0)
	})
	if err != nil {
		r.armed.Store(false)
		return
	}
	r.recheck = t
}

// isChild reports whether pid is still a child of the process, in any state.
func isChild(pid int) bool {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WSTOPPED|unix.WCONTINUED|unix.WNOHANG|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		return err != unix.ECHILD
	}
}

// reapOrphan reaps pid, a zombie, and appends it as a foreign exit.
func reapOrphan(pid int, out []exit) []exit {
	if st, done := reapPid(pid); done {
		out = append(out, exit{pid: pid, st: st})
	}
	return out
}

// peekZombie returns the pid of a zombie child of the process without
// reaping it, or 0.
func peekZombie() int {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0
		}
		pid, _ := siginfoChild(&info)
		return pid
	}
}

// isZombie reports whether child pid has exited and is not reaped yet.
func isZombie(pid int) bool {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return false
		}
		p, _ := siginfoChild(&info)
		return p != 0
	}
}

// unheld returns the zombies among pids that no pidfd in the process
// refers to, reusing pids.
//
// One scan of the fd table is not enough to tell. internal/spawn moves
// each pidfd it hands out above its other fds: a dup up, then a close of
// the old fd. A scan can list the old fd, find it closed when it looks at
// it, and pass the new fd's place before the dup: the pidfd is seen
// nowhere. Its move then ended before that scan did, so a second scan,
// begun after the first ended, sees it at the new place. Only the zombies
// the first scan found unheld pay for it.
func (r *orphanReaper) unheld(pids []int) []int {
	if len(pids) == 0 {
		return pids
	}
	clear(r.held)
	for range 2 {
		r.scanHeld()
		kept := pids[:0]
		for _, pid := range pids {
			if !r.isHeld(pid) {
				kept = append(kept, pid)
			}
		}
		if pids = kept; len(pids) == 0 {
			break
		}
	}
	return pids
}

// scanHeld adds to r.held the processes this process holds a pidfd to:
// their pidfs inodes, or, without pidfs, their pids (read from fdinfo).
// It lists /proc/self/fd through a directory fd kept open for it, with
// getdents into a reused buffer: it runs for every orphan.
func (r *orphanReaper) scanHeld() {
	if r.fdDir < 0 {
		return
	}
	if _, err := unix.Seek(r.fdDir, 0, 0); err != nil {
		return
	}
	for {
		n, err := unix.Getdents(r.fdDir, r.dents)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return
		}
		for b := r.dents[:n]; len(b) >= 19; {
			reclen := int(b[16]) | int(b[17])<<8 // struct linux_dirent64: ino, off, reclen, type, name
			if reclen < 19 || reclen > len(b) {
				return
			}
			if fd, ok := atoiName(b[19:reclen]); ok && fd != r.fdDir {
				r.noteFD(fd)
			}
			b = b[reclen:]
		}
	}
}

// noteFD adds fd's process to the held set if fd is a pidfd.
func (r *orphanReaper) noteFD(fd int) {
	if r.pidfsDev != 0 {
		var st unix.Stat_t
		if unix.Fstat(fd, &st) == nil && st.Dev == r.pidfsDev {
			r.held[st.Ino] = true
		}
		return
	}
	name := strconv.Itoa(fd)
	if target, err := os.Readlink("/proc/self/fd/" + name); err == nil && target == "anon_inode:[pidfd]" {
		if pid, ok := fdinfoPid(name); ok {
			r.held[uint64(pid)] = true
		}
	}
}

// atoiName parses a NUL-terminated directory entry name made of digits.
func atoiName(b []byte) (int, bool) {
	n, digits := 0, 0
	for _, c := range b {
		if c == 0 {
			break
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
		digits++
	}
	return n, digits > 0
}

// isHeld reports whether scanHeld found a pidfd to pid.
func (r *orphanReaper) isHeld(pid int) bool {
	if r.fdDir < 0 {
		return true // no /proc: cannot tell
	}
	if r.pidfsDev == 0 {
		return r.held[uint64(pid)]
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return true // cannot tell: leave it
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return true
	}
	return r.held[st.Ino]
}

// fdinfoPid reads the Pid line of a pidfd's /proc/self/fdinfo entry.
func fdinfoPid(fd string) (int, bool) {
	b, err := os.ReadFile("/proc/self/fdinfo/" + fd)
	if err != nil {
		return 0, false
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("Pid:")); ok {
			pid, err := strconv.Atoi(string(bytes.TrimSpace(v)))
			return pid, err == nil
		}
	}
	return 0, false
}

// children lists the process's children: those of every thread.
func children() (map[int]bool, error) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil, err
	}
	kids := map[int]bool{}
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/children")
		if errors.Is(err, os.ErrNotExist) {
			continue // the thread exited meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("childproc: listing children: %w", err)
		}
		for _, f := range bytes.Fields(b) {
			if pid, err := strconv.Atoi(string(f)); err == nil {
				kids[pid] = true
			}
		}
	}
	return kids, nil
}
