package childproc

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/childloop/childloop/internal/cgroup"
)

// detectCgroup finds the process's own cgroup2 directory, once per process;
// tests replace it to simulate other systems.
var detectCgroup = cgroup.Detect

// openTree resolves cfg.Tree for a new parent: TreeAuto becomes TreeCgroup
// where a group of cells can be made, TreeGroup otherwise; TreeCgroup
// fails where it cannot. A CgroupParent that is not a cgroup2 directory is
// bad input either way.
func (c *Parent) openTree(cfg *Config) error {
	if cfg.Tree != TreeAuto && cfg.Tree != TreeCgroup {
		return nil
	}
	parent, err := cfg.CgroupParent, error(nil)
	if parent != "" {
		// Not a cgroup2 directory is bad input; a kernel without
		// cgroup.kill is a reason to fall back.
		if err = cgroup.Check(parent); err != nil && !errors.Is(err, errors.ErrUnsupported) {
			if !errors.Is(err, os.ErrInvalid) {
				err = fmt.Errorf("%w: %w", os.ErrInvalid, err)
			}
			return fmt.Errorf("childproc: Config.CgroupParent: %w", err)
		}
	} else {
		parent, err = detectCgroup()
	}
	if err == nil {
		var g *cgroup.Group
		if g, err = cgroup.NewGroup(parent); err == nil {
			c.cg, c.tree = g, TreeCgroup
			return nil
		}
	}
	if cfg.Tree == TreeCgroup {
		return fmt.Errorf("childproc: Config.Tree cgroup: %w", err)
	}
	c.tree = TreeGroup
	return nil
}

// closeTreeLocked removes the parent's cgroups: whatever is still in
// them is killed (cgroup.kill of the group). ctx.mu held.
func (c *Parent) closeTreeLocked() error {
	if c.cg == nil {
		return nil
	}
	clear(c.retire) // their cells go with the group
	c.retire = nil
	err := c.cg.Close()
	if err != nil {
		return fmt.Errorf("childproc: close: %w", err)
	}
	return nil
}

// cellTree is TreeCgroup: the child and all it starts live in a cgroup
// of their own. Every method runs with ctx.mu held, which serialises the
// parent's cgroup operations as the cgroup package requires.
type cellTree struct {
	c     *Parent
	cell  *cgroup.Cell
	retry time.Duration // the next wait before trying to remove the cell again
}

func (t *cellTree) signal(_ *Child, sig syscall.Signal) error {
	if sig == syscall.SIGKILL {
		return t.cell.Kill()
	}
	return t.cell.Signal(sig)
}

func (t *cellTree) ended(*Child) *TreeUsage {
	// The tree ends with the child. An empty cell is not killed, so that
	// it can be recycled (a killed one cannot: see cgroup.Cell.Kill).
	// Nothing can enter it meanwhile: no process is left to fork.
	if populated, err := t.cell.Populated(); err != nil || populated {
		_ = t.cell.Kill()
	}
	var tu *TreeUsage
	if u, err := t.cell.Usage(); err == nil {
		tu = &TreeUsage{CPU: u.CPU, User: u.User, System: u.System, MemoryPeak: u.MemoryPeak}
	}
	// Recycling or removing the cell can wait for the callbacks: it is
	// not part of the child's end they are told of.
	t.c.retire = append(t.c.retire, t)
	return tu
}

// byPid: a cell is reached through its directory, not the child's pid.
func (*cellTree) byPid() bool { return false }

// retireCellsLocked recycles or removes the cells of children that have
// ended. ctx.mu held.
func (c *Parent) retireCellsLocked() {
	for i, t := range c.retire {
		c.retire[i] = nil
		if !c.closed.Load() {
			t.remove()
		}
	}
	c.retire = c.retire[:0]
}

// remove gives the cell back to the group for a later child (see
// cgroup.Cell.Recycle) or removes it, or, while the killed processes are
// still leaving it, tries again from a loop timeout, backing off from 1 ms
// to 1 s. Close removes what is left. ctx.mu held.
func (t *cellTree) remove() {
	if t.cell.Recycle() {
		return
	}
	err := t.cell.Remove()
	if !errors.Is(err, syscall.EBUSY) {
		return
	}
	t.retry = min(max(2*t.retry, time.Millisecond), time.Second)
	_, _ = t.c.reg.RegisterTimeout(time.Now().Add(t.retry), func() {
		t.c.mu.Lock()
		defer t.c.mu.Unlock()
		if !t.c.closed.Load() {
			t.remove()
		}
	})
}
