//go:build unix

package reaplat

import "golang.org/x/sys/unix"

// kernel describes the running kernel as `uname -srm` does.
func kernel() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:]) +
		" " + unix.ByteSliceToString(u.Machine[:])
}
