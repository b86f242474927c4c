//go:build unix && !linux

package sysfd

// wakeBytes is the one byte a wake writes to the pipe.
var wakeBytes = [1]byte{1}

// NewWaker creates a pipe, both ends non-blocking and close-on-exec.
func NewWaker() (Waker, error) { return NewPipeWaker() }
