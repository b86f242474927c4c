package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A Cell is the cgroup of one child: the child is spawned straight into it
// (clone3 with CLONE_INTO_CGROUP: SysProcAttr.UseCgroupFD and CgroupFD set
// to FD), and everything it starts stays in it, whatever session or
// process group it moves to, so the whole tree can be signalled, killed
// and measured as one. See Group for who may call its methods.
type Cell struct {
	group *Group // immutable after NewCell
	dir   string // immutable after NewCell: the cell's directory

	// Changed by EventsFD and Remove (and Group.Close, through Remove).
	fd     int   // the directory, open; -1 once the cell is removed
	events int   // cgroup.events, opened by EventsFD; -1 until then and once removed
	base   Usage // cpu.stat when the cell was last recycled: Usage counts from there
	killed bool  // Kill was called: the cell cannot be recycled

	prev, next *Cell // the group's list of cells not yet removed; changed by the group
}

// Dir is the cell's directory.
func (c *Cell) Dir() string { return c.dir }

// FD is the descriptor of the cell's directory, for SysProcAttr.CgroupFD,
// or -1 once the cell is removed. The cell owns it: Remove closes it.
func (c *Cell) FD() int { return c.fd }

// name is the cell's directory name within its group.
func (c *Cell) name() string { return c.dir[len(c.group.dir)+1:] }

// closedError is the error of an operation op on a removed cell.
func (c *Cell) closedError(op string) error {
	return &fs.PathError{Op: op, Path: c.dir, Err: fs.ErrClosed}
}

// Kill sends SIGKILL to every process in the cell at once, those the
// kernel is forking into it at that moment included (cgroup.kill: a
// process cannot escape by forking). It returns when the signals are
// sent, not when the processes are gone: see Populated and Remove.
//
// A killed cell is never recycled: on Linux 6.18 every process later
// cloned into a cgroup that was once killed (CLONE_INTO_CGROUP) is sent
// SIGKILL as it starts, as if the kill were still going on. Check
// Populated first where nothing may be left to kill.
func (c *Cell) Kill() error {
	if c.fd < 0 {
		return c.closedError("kill")
	}
	c.killed = true
	return writeAt(c.fd, c.dir, "cgroup.kill", "1")
}

// Signal sends sig to every process listed in cgroup.procs, for a polite
// stop (SIGTERM) of a whole tree before Kill. A process that exits between
// the listing and its signal is skipped (ESRCH is no error); one forked
// after the listing is missed, which the Kill after the grace period
// covers. As with any signal sent by pid, a pid that is freed and reused
// within that window gets the signal: the window is one read and a few
// system calls long. Every listed process is tried; the first error is
// returned.
func (c *Cell) Signal(sig syscall.Signal) error {
	if c.fd < 0 {
		return c.closedError("signal")
	}
	var first error
	err := c.eachProc(func(pid int) error {
		if err := unix.Kill(pid, sig); err != nil && err != unix.ESRCH && first == nil {
			first = fmt.Errorf("cgroup: signal %d of %s: %w", pid, c.dir, os.NewSyscallError("kill", err))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return first
}

// Procs lists the processes (thread-group ids) in the cell, in the
// kernel's order. A process that has exited but is not yet reaped (a
// zombie) is no longer listed.
func (c *Cell) Procs() ([]int, error) {
	if c.fd < 0 {
		return nil, c.closedError("read")
	}
	var pids []int
	err := c.eachProc(func(pid int) error {
		pids = append(pids, pid)
		return nil
	})
	return pids, err
}

// eachProc calls f with each pid of cgroup.procs, read in chunks of a
// fixed buffer.
func (c *Cell) eachProc(f func(pid int) error) error {
	fd, err := openAt(c.fd, c.dir, "cgroup.procs", unix.O_RDONLY)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var buf [512]byte
	var s pidScanner
	for {
		n, err := readFull(fd, buf[:])
		if err != nil {
			return &fs.PathError{Op: "read", Path: c.dir + "/cgroup.procs", Err: err}
		}
		if err := s.feed(buf[:n], f); err != nil {
			return err
		}
		if n < len(buf) {
			return s.end(f)
		}
	}
}

// Populated reports whether any process is still in the cell (or in a
// cgroup below it): the "populated" key of cgroup.events. It turns false
// as soon as the last process has exited, before anything reaps it.
func (c *Cell) Populated() (bool, error) {
	if c.fd < 0 {
		return false, c.closedError("read")
	}
	var buf [64]byte
	var n int
	var err error
	if c.events >= 0 {
		if n, err = readFull(c.events, buf[:]); err != nil {
			err = &fs.PathError{Op: "read", Path: c.dir + "/cgroup.events", Err: err}
		}
	} else {
		n, err = readAt(c.fd, c.dir, "cgroup.events", buf[:])
	}
	if err != nil {
		return false, err
	}
	v, ok := keyed(buf[:n], "populated")
	if !ok {
		return false, fmt.Errorf("cgroup: no populated key in %s/cgroup.events: %q", c.dir, string(buf[:n]))
	}
	return v != 0, nil
}

// EventsFD returns a descriptor of the cell's cgroup.events, opened on the
// first call, for the caller's poll loop: it polls as POLLPRI (and
// POLLERR) when the file's values have changed since it was last read, in
// particular when the cell becomes empty. Populated reads through it,
// which re-arms it (with a level-triggered poller, call Populated after
// each wake-up). A change just before the first call is not signalled:
// call Populated after registering the descriptor. The cell owns the
// descriptor: deregister it from the loop before Remove, which closes it.
func (c *Cell) EventsFD() (int, error) {
	if c.fd < 0 {
		return -1, c.closedError("open")
	}
	if c.events < 0 {
		fd, err := openAt(c.fd, c.dir, "cgroup.events", unix.O_RDONLY|unix.O_NONBLOCK)
		if err != nil {
			return -1, err
		}
		// A new descriptor polls ready until its first read: read it once,
		// so that it wakes its poller only on a change.
		var buf [64]byte
		if _, err := readFull(fd, buf[:]); err != nil {
			unix.Close(fd)
			return -1, &fs.PathError{Op: "read", Path: c.dir + "/cgroup.events", Err: err}
		}
		c.events = fd
	}
	return c.events, nil
}

// Usage reads what the cell's processes used, those gone included, since
// the cell was made or last recycled: read it once the cell is empty and
// before Remove, for the whole tree's total.
func (c *Cell) Usage() (Usage, error) {
	if c.fd < 0 {
		return Usage{}, c.closedError("read")
	}
	var buf [512]byte // cpu.stat is about 200 bytes; the usage keys come first
	u, err := c.cpuStat(buf[:])
	if err != nil {
		return Usage{}, err
	}
	u.CPU -= c.base.CPU
	u.User -= c.base.User
	u.System -= c.base.System
	if !c.group.memory {
		return u, nil
	}
	n, err := readAt(c.fd, c.dir, "memory.peak", buf[:32])
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return Usage{}, err
	default:
		v, ok := number(buf[:n])
		if !ok {
			return Usage{}, fmt.Errorf("cgroup: no number in %s/memory.peak: %q", c.dir, string(buf[:n]))
		}
		u.MemoryPeak = v
	}
	return u, nil
}

// cpuStat reads the usage keys of the cell's cpu.stat, since it was made.
func (c *Cell) cpuStat(buf []byte) (Usage, error) {
	n, err := readAt(c.fd, c.dir, "cpu.stat", buf)
	if err != nil {
		return Usage{}, err
	}
	u, ok := parseCPUStat(buf[:n])
	if !ok {
		return Usage{}, fmt.Errorf("cgroup: no usage_usec, user_usec or system_usec in %s/cpu.stat: %q", c.dir, string(buf[:n]))
	}
	return u, nil
}

// Recycle gives the emptied cell back to its group, for a later NewCell to
// hand out instead of making a new cgroup; the caller must not use it any
// more. Making and removing a cgroup costs the parent about 30 µs of CPU
// and takes the kernel's global cgroup lock twice.
//
// It reports false, and leaves the cell as it was (for Remove), unless the
// cell can pass for a new one: it was never killed (see Kill), no process
// is left in it, it is not frozen (cgroup.freeze), no cgroup was made
// below it (the directory has no subdirectory), and the group does not
// enable the memory controller for its cells, so that they have no limits
// to inherit and no memory.peak, which not every kernel can reset. It also reports false once the group
// keeps 64 recycled cells, or after Close. Usage counts from the recycling
// on. Two settings a process with write access to the cell's own files
// (root, say) could change do carry over: cgroup.max.depth and
// cgroup.max.descendants, which limit only cgroups made below the cell.
func (c *Cell) Recycle() bool {
	g := c.group
	if c.fd < 0 || c.killed || g.closed || g.memory || len(g.free) >= maxFree {
		return false
	}
	var buf [512]byte
	var n int
	var err error
	if c.events >= 0 {
		n, err = readFull(c.events, buf[:64])
	} else {
		n, err = readAt(c.fd, c.dir, "cgroup.events", buf[:64])
	}
	if err != nil {
		return false
	}
	populated, ok1 := keyed(buf[:n], "populated")
	frozen, ok2 := keyed(buf[:n], "frozen")
	if !ok1 || !ok2 || populated != 0 || frozen != 0 {
		return false
	}
	var st unix.Stat_t
	if unix.Fstat(c.fd, &st) != nil || st.Nlink != 2 { // cgroupfs: 2 + subdirectories
		return false
	}
	u, err := c.cpuStat(buf[:])
	if err != nil {
		return false
	}
	c.base = u
	g.free = append(g.free, c)
	return true
}

// Remove removes the cell: its directory, then its descriptors. The cell
// must be empty; while a process is in it, the error satisfies
// errors.Is(err, syscall.EBUSY) and the cell stays as it was (its
// descriptors open), so that the caller can try again later, from a
// timer or when EventsFD says the cell is empty. A zombie child does not
// keep the cell busy: it left the cell when it exited. Cgroups a child
// made inside its cell are removed with it, deepest first. After a
// successful Remove, Remove does nothing and returns nil, and the other
// methods return errors wrapping fs.ErrClosed.
func (c *Cell) Remove() error {
	if c.fd < 0 {
		return nil
	}
	if err := c.rmdir(); err != nil {
		return err
	}
	if c.events >= 0 {
		unix.Close(c.events)
		c.events = -1
	}
	unix.Close(c.fd)
	c.fd = -1
	c.group.unlink(c)
	return nil
}

// rmdir removes the cell's directory. On EBUSY with no process left, what
// keeps the cell are cgroups a child made inside it: they are removed and
// the cell is tried again.
func (c *Cell) rmdir() error {
	err := unix.Unlinkat(c.group.fd, c.name(), unix.AT_REMOVEDIR)
	if err == unix.EBUSY {
		if populated, perr := c.Populated(); perr == nil && !populated {
			if err := removeBelow(c.dir, time.Time{}); err != nil {
				return err
			}
			err = unix.Unlinkat(c.group.fd, c.name(), unix.AT_REMOVEDIR)
		}
	}
	if err != nil && err != unix.ENOENT { // ENOENT: someone removed it for us
		return &fs.PathError{Op: "rmdir", Path: c.dir, Err: err}
	}
	return nil
}

// removeBelow removes every cgroup below dir, deepest first, trying again
// while one is busy until deadline (once with a zero deadline), and
// returns the error of the first that stays.
func removeBelow(dir string, deadline time.Time) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		sub := dir + "/" + e.Name()
		if err := removeBelow(sub, deadline); err != nil {
			return err
		}
		err := retry(deadline, func() error {
			if err := unix.Rmdir(sub); err != nil && err != unix.ENOENT {
				return &fs.PathError{Op: "rmdir", Path: sub, Err: err}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// retry calls f until it returns anything but EBUSY or the deadline
// passes, and returns f's last error. The sleeps between calls grow from
// 50µs to 5ms: a killed tree usually leaves its cgroup within a
// millisecond.
func retry(deadline time.Time, f func() error) error {
	for pause := 50 * time.Microsecond; ; pause = min(2*pause, 5*time.Millisecond) {
		err := f()
		if !errors.Is(err, unix.EBUSY) || !time.Now().Before(deadline) {
			return err
		}
		time.Sleep(pause)
	}
}
