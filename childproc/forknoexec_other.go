//go:build unix && !linux

package childproc

import (
	"errors"
	"fmt"
)

// ForkNoexec forks a child that runs steps without exec'ing Go code. It is
// implemented on Linux only; here it returns an error wrapping
// errors.ErrUnsupported.
func ForkNoexec(steps *Steps) (int, error) {
	return 0, fmt.Errorf("childproc: ForkNoexec: %w (needs raw fork and the runtime's fork hooks: Linux only)", errors.ErrUnsupported)
}
