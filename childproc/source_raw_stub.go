package childproc

import "errors"

// errUnsupportedRaw explains why SourceRaw is unavailable.
var errUnsupportedRaw = errors.ErrUnsupported

// rawSupported reports whether the raw assembly SIGCHLD handler exists on
// this platform.
func rawSupported() bool { return false }

func newRawSource() source { return newRelay() }
