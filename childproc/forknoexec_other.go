//go:build unix && !linux

package childproc

import (
	"errors"
	"fmt"
)

// forkSteps is implemented on Linux only: it needs a raw fork and the
// runtime's fork hooks.
func forkSteps([]step) (int, error) {
	return 0, fmt.Errorf("childproc: ForkNoexec: %w (needs a raw fork and the runtime's fork hooks: Linux only)", errors.ErrUnsupported)
}
