//go:build !linux

package childproc

import (
	"errors"
	"fmt"
	"syscall"
)

// cellFor is never reached off Linux: no context opens a cgroup group there.
func (c *Context) cellFor(*syscall.ProcAttr) (treePlan, error) {
	return treePlan{}, fmt.Errorf("childproc: spawn: cgroups: %w", errors.ErrUnsupported)
}
