//go:build unix && !linux

package childproc

import (
	"errors"
	"fmt"
)

var errPostforkUnsupported = fmt.Errorf("childproc: PostforkChildNoexec: %w (raw system calls are Linux-only)", errors.ErrUnsupported)

// PostforkChildNoexec resets inherited library state in a forked child that
// does not exec. It is implemented on Linux only; here it returns an error
// wrapping errors.ErrUnsupported and changes nothing.
func PostforkChildNoexec() error { return errPostforkUnsupported }
