package exec

// Idle reports whether the package's own loop is closed and its goroutine
// gone.
func Idle() bool { return defaultRunner.shared.idle() }
