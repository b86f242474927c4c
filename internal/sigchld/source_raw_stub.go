//go:build !(linux && (amd64 || arm64))

package sigchld

// rawSupported reports whether the raw assembly SIGCHLD handler exists on
// this platform: only linux/amd64 and linux/arm64 have one.
func rawSupported() bool { return false }

func newRawSource() source { return newRelay() }

func checkRaw() error { return nil }
