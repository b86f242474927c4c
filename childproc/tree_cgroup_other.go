//go:build !linux

package childproc

import (
	"errors"
	"fmt"
)

// cellFor is never reached off Linux: no parent opens a cgroup group there.
func (c *Parent) cellFor(*spawnAttr) (treePlan, error) {
	return treePlan{}, fmt.Errorf("childproc: spawn: cgroups: %w", errors.ErrUnsupported)
}
