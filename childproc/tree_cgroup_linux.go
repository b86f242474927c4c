package childproc

import (
	"fmt"
)

// cellFor makes the cgroup of the child about to be spawned with sa and
// has the kernel put the child in it at the fork (clone3
// CLONE_INTO_CGROUP), so that not even its first instruction runs outside.
func (c *Parent) cellFor(sa *spawnAttr) (treePlan, error) {
	sys := sa.ownSys()
	if sys.UseCgroupFD {
		return treePlan{}, invalid("spawn: SysProcAttr.UseCgroupFD: with TreeCgroup the child gets a cgroup of its own")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usableLocked(); err != nil {
		return treePlan{}, err
	}
	cell, err := c.cg.NewCell()
	if err != nil {
		return treePlan{}, fmt.Errorf("childproc: spawn: %w", err)
	}
	sys.UseCgroupFD, sys.CgroupFD = true, cell.FD()
	return treePlan{cell: &cellTree{c: c, cell: cell}}, nil
}
