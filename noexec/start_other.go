//go:build unix && !linux

package noexec

import (
	"errors"
	"fmt"
)

// start is implemented on Linux only: it needs a raw fork and the
// runtime's fork hooks.
func start([]step) (int, error) {
	return 0, fmt.Errorf("noexec: Start: %w (needs a raw fork and the runtime's fork hooks: Linux only)", errors.ErrUnsupported)
}
