//go:build !linux

package childproc

import (
	"errors"
	"fmt"
)

// cellFor is never reached off Linux: no context opens a cgroup group there.
func (c *Context) cellFor(*spawnAttr) (treePlan, error) {
	return treePlan{}, fmt.Errorf("childproc: spawn: cgroups: %w", errors.ErrUnsupported)
}
