//go:build unix && !linux

package noexec

import (
	"errors"
	"fmt"
)

var errPostforkUnsupported = fmt.Errorf("noexec: PostforkChild: %w (raw system calls are Linux-only)", errors.ErrUnsupported)

// PostforkChild resets inherited library state in a forked child that does
// not exec. It is implemented on Linux only; here it returns an error
// wrapping errors.ErrUnsupported and changes nothing.
func PostforkChild() error { return errPostforkUnsupported }
