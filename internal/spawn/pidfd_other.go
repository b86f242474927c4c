//go:build !linux

package spawn

// PidfdSupported reports whether pidfd reaping works here: only on Linux.
func PidfdSupported() bool { return false }
