// Groups and cells need Linux 5.14 (cgroup.kill), spawning into a cell
// 5.7 (clone3 with CLONE_INTO_CGROUP).

package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// A Group is a cgroup made for one user of the package (a childproc
// context), under which each child gets a Cell. It holds no process of its
// own, so that it may distribute controllers to its cells (cgroup v2 lets
// only a cgroup without processes do that).
//
// A Group and its cells are not safe for concurrent use: the caller
// serialises every call on a group and on its cells, so the fields other
// than the immutable ones change only in the group's methods and in
// Cell.Remove, one call at a time.
type Group struct {
	dir    string  // immutable after NewGroup
	memory bool    // immutable after NewGroup: memory is enabled for the cells
	fd     int     // the group's directory; -1 once Close removed it
	closed bool    // Close was called: no more cells
	seq    int     // the number of the last cell made
	cells  *Cell   // the cells not yet removed, newest first (list through Cell.prev, Cell.next)
	free   []*Cell // recycled cells for NewCell to hand out again, also in cells
}

// maxFree bounds the recycled cells a group keeps, each with its open
// directory: enough for a runner's jobs in flight to take turns.
const maxFree = 64

// groupSeq numbers the groups of this process: with the pid, it makes a
// name no other group has, in this process or another one sharing the
// parent.
var groupSeq atomic.Uint64

// closeWait bounds how long Close waits for the killed processes of its
// cells to leave them. cgroup.kill signals every process at once, but each
// one leaves its cgroup only when it has run its own exit; that takes
// microseconds to a few milliseconds, longer for a process in an
// uninterruptible sleep.
var closeWait = time.Second

// NewGroup makes a new cgroup under parent (a cgroup2 directory: see Probe
// and Check), named childloop.PID.N. When the memory controller is
// available to it, it is enabled for the group's cells, so that each cell
// has memory.peak; failing that is no error.
//
// An error from mkdir is an *fs.PathError with the system's errno, so that
// errors.Is(err, fs.ErrPermission) holds for EACCES and EPERM, and
// errors.Is(err, syscall.EROFS) on a read-only mount: the caller falls back
// to another way of stopping trees. A kernel without cgroup.kill gives an
// error wrapping errors.ErrUnsupported (the directory made is removed).
func NewGroup(parent string) (*Group, error) {
	pid := strconv.Itoa(os.Getpid())
	for range 100 { // a stale group of an earlier process with our pid: take the next number
		dir := path.Join(parent, "childloop."+pid+"."+strconv.FormatUint(groupSeq.Add(1), 10))
		err := unix.Mkdir(dir, 0o755)
		if err == unix.EEXIST {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "mkdir", Path: dir, Err: err}
		}
		fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			unix.Rmdir(dir)
			return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
		}
		if err := unix.Faccessat(fd, "cgroup.kill", unix.F_OK, 0); err != nil {
			unix.Close(fd)
			unix.Rmdir(dir)
			return nil, fmt.Errorf("cgroup: %s has no cgroup.kill (Linux 5.14 or later needed): %w", dir, errors.ErrUnsupported)
		}
		g := &Group{dir: dir, fd: fd}
		g.enableMemory()
		return g, nil
	}
	return nil, fmt.Errorf("cgroup: no free group name under %s: %w", parent, fs.ErrExist)
}

// enableMemory turns on the memory controller for the group's cells when
// the group has it, so that every cell gets memory.peak. The group has it
// only when its parent enabled it for its own children, which a parent
// with processes of its own (a non-root cgroup) cannot do; and on a
// hybrid system memory may belong to a v1 hierarchy. Failures are left
// for Usage to show as an absent memory.peak.
func (g *Group) enableMemory() {
	var buf [256]byte
	n, err := readAt(g.fd, g.dir, "cgroup.controllers", buf[:])
	if err != nil || !hasWord(buf[:n], "memory") {
		return
	}
	g.memory = writeAt(g.fd, g.dir, "cgroup.subtree_control", "+memory") == nil
}

// Dir is the group's directory.
func (g *Group) Dir() string { return g.dir }

// NewCell makes a cgroup for one child in the group, named by a number,
// and opens its directory for the child to be spawned into it (the fd for
// SysProcAttr.CgroupFD); or it hands out a cell given back with Recycle,
// the most recent first. After Close it returns an error wrapping
// fs.ErrClosed.
func (g *Group) NewCell() (*Cell, error) {
	if g.closed {
		return nil, &fs.PathError{Op: "mkdir", Path: g.dir, Err: fs.ErrClosed}
	}
	if n := len(g.free); n > 0 {
		c := g.free[n-1]
		g.free[n-1] = nil
		g.free = g.free[:n-1]
		return c, nil
	}
	g.seq++
	name := strconv.Itoa(g.seq)
	if err := unix.Mkdirat(g.fd, name, 0o755); err != nil {
		return nil, &fs.PathError{Op: "mkdir", Path: g.dir + "/" + name, Err: err}
	}
	// O_RDONLY rather than O_PATH: clone3 takes either on Linux 6.18 (see
	// the package documentation), but the cell's files are also opened
	// relative to this descriptor, and a directory opened for reading
	// serves both on every kernel.
	fd, err := openAt(g.fd, g.dir, name, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		unix.Unlinkat(g.fd, name, unix.AT_REMOVEDIR)
		return nil, err
	}
	c := &Cell{group: g, dir: g.dir + "/" + name, fd: fd, events: -1}
	c.next = g.cells
	if g.cells != nil {
		g.cells.prev = c
	}
	g.cells = c
	return c, nil
}

// unlink takes c out of the group's list of cells.
func (g *Group) unlink(c *Cell) {
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		g.cells = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	}
	c.prev, c.next = nil, nil
}

// Close kills every process in the group at once (the group's own
// cgroup.kill, which covers its cells and any cgroup a child made below
// them), waits a bounded time for them to leave, removes the cells, any
// other cgroup below the group, and the group's directory. It blocks for
// as long as that takes: microseconds when the cells are empty already, up
// to about a second for processes that are slow to die.
//
// What could not be removed (a cell whose processes outlived the wait, a
// directory the group cannot remove) is reported, one error per
// directory, joined; calling Close again tries again what is left. Once
// everything is removed, Close does nothing and returns nil. No cell can
// be made after Close.
func (g *Group) Close() error {
	g.closed = true
	clear(g.free) // still in g.cells, removed below
	g.free = nil
	if g.fd < 0 {
		return nil
	}
	_ = writeAt(g.fd, g.dir, "cgroup.kill", "1") // what stays is reported below
	var errs []error
	deadline := time.Now().Add(closeWait)
	for c := g.cells; c != nil; {
		next := c.next // Remove unlinks c
		if err := retry(deadline, c.Remove); err != nil {
			errs = append(errs, err)
		}
		c = next
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := removeBelow(g.dir, deadline); err != nil {
		return err
	}
	if err := unix.Rmdir(g.dir); err != nil && err != unix.ENOENT {
		return &fs.PathError{Op: "rmdir", Path: g.dir, Err: err}
	}
	unix.Close(g.fd)
	g.fd = -1
	return nil
}
