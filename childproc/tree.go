package childproc

import (
	"context"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Tree is how a parent reaches the descendants of its children.
type Tree int

const (
	// TreeNone leaves children where they are (in this process's group
	// and cgroup): a stop signals the child alone, and what it started
	// lives on. It is os/exec's behaviour, and the cheapest.
	TreeNone Tree = iota
	// TreeAuto is TreeCgroup where a writable cgroup v2 hierarchy with
	// cgroup.kill (Linux 5.14) is available, TreeGroup otherwise.
	TreeAuto
	// TreeCgroup spawns each child straight into a cgroup of its own
	// (clone3 CLONE_INTO_CGROUP): a stop signals every process in it and
	// kills with cgroup.kill, which nothing in the tree escapes, not even
	// a descendant that called setsid or forked during the kill. The
	// cgroup also measures the whole tree (Status.TreeUsage). New fails where
	// no such hierarchy is usable. The cgroups live under
	// Config.CgroupParent, in a directory of the parent's own that Close
	// removes. A child's cgroup is its own while it lives; once it has
	// ended, a cgroup its tree left empty and unchanged (nothing frozen,
	// no cgroup made inside, nothing left to kill) may be given to a later
	// child instead of being removed, which saves about 30 µs of CPU per
	// spawn; without the memory controller only, so that no limit carries
	// over. A Config.Spawn replacement must honour
	// SysProcAttr.UseCgroupFD and CgroupFD (ForkExec and syscall.ForkExec
	// do).
	TreeCgroup
	// TreeGroup makes each child the leader of a process group of its
	// own (Setpgid) and signals the group. Descendants that call setsid
	// or setpgid (daemons, some shells' job control) escape it. Being
	// outside the terminal's foreground group, such a child no longer
	// gets the terminal's SIGINT (Ctrl-C), as with any Setpgid child.
	TreeGroup
)

var treeNames = [...]string{"none", "auto", "cgroup", "group"}

// String returns "none", "auto", "cgroup" or "group".
func (t Tree) String() string {
	if t < 0 || int(t) >= len(treeNames) {
		return "Tree(" + strconv.Itoa(int(t)) + ")"
	}
	return treeNames[t]
}

// Tree reports how the parent reaches its children's descendants:
// TreeCgroup, TreeGroup or TreeNone (never TreeAuto: New resolved it).
//
// With TreeCgroup or TreeGroup a child's tree ends with the child: when the
// child has exited, whatever it left behind in its cgroup or process group
// is sent SIGKILL before the child's OnExit runs. Children a parent
// adopts, and ForkNoexec children, are signalled alone.
func (c *Parent) Tree() Tree { return c.tree }

// treeOps is a child's tree, for a parent with TreeCgroup or TreeGroup.
type treeOps interface {
	// signal sends sig to every process of the tree. ctx.mu held, the
	// child unreaped or its zombie still holding its pid.
	signal(ch *Child, sig syscall.Signal) error
	// ended runs once the child has exited, before its callbacks, with
	// ctx.mu held: it kills what is left and returns the tree's usage
	// (nil when unknown).
	ended(ch *Child) *TreeUsage
	// byPid reports whether ended reaches the tree through the child's
	// pid, which its unreaped zombie must then keep reserved.
	byPid() bool
}

// groupTree is TreeGroup: the child leads a process group of its own.
type groupTree struct{}

func (groupTree) signal(ch *Child, sig syscall.Signal) error {
	// The child may have left its group (setsid): signal it directly as
	// well. The group may be empty but for the child: ESRCH is no error.
	err := ch.signalLocked(sig)
	if gerr := unix.Kill(-ch.pid, sig); gerr != nil && gerr != unix.ESRCH && err == nil {
		err = os.NewSyscallError("kill", gerr)
	}
	return err
}

// ended kills the group's leftovers. With pidfd reaping the child's zombie
// still holds the group id; after a wait4 the id stays reserved while any
// member lives, and with none left the kill finds nothing (unless, in a
// window of a few microseconds, a new process has just taken that number
// as its own group).
func (groupTree) ended(ch *Child) *TreeUsage {
	_ = unix.Kill(-ch.pid, unix.SIGKILL)
	return nil
}

// byPid: the group's id is the child's pid.
func (groupTree) byPid() bool { return true }

// spawnExtra is what Spawn hands start beyond the ProcAttr.
type spawnExtra struct {
	io   *childIO
	tree treePlan
	life *lifetime
	ctx  context.Context
}

// treePlan is a spawn's part of the parent's Tree mode: it adjusts the
// ProcAttr before the fork and becomes the child's treeOps after.
type treePlan struct {
	group bool
	cell  *cellTree
}

// treeFor prepares sa for the parent's Tree mode. The caller's
// SysProcAttr is copied, never written.
func (c *Parent) treeFor(sa *spawnAttr) (treePlan, error) {
	switch c.tree {
	case TreeGroup:
		sys := sa.ownSys()
		if !sys.Setsid {
			if sys.Setpgid && sys.Pgid != 0 {
				return treePlan{}, invalid("spawn: SysProcAttr.Pgid %d: with TreeGroup the child leads a group of its own", sys.Pgid)
			}
			sys.Setpgid, sys.Pgid = true, 0
		}
		return treePlan{group: true}, nil
	case TreeCgroup:
		return c.cellFor(sa)
	}
	return treePlan{}, nil
}

// spawned releases what the plan prepared if the spawn failed.
func (p *treePlan) spawned(err error) {
	if err != nil && p.cell != nil {
		c := p.cell.c
		c.mu.Lock()
		if !c.closed.Load() {
			p.cell.remove()
		}
		c.mu.Unlock()
	}
}

// ops is the child's treeOps, nil with TreeNone.
func (p *treePlan) ops() treeOps {
	switch {
	case p.group:
		return groupTree{}
	case p.cell != nil:
		return p.cell
	}
	return nil
}
