//go:build unix && !(linux && (amd64 || arm64))

package spawn

import "syscall"

// Without the vfork primitive every spawn is syscall.ForkExec's.
func fastEligible(*syscall.ProcAttr) bool { return false }

func vforkExec(argv0 string, argv []string, attr *syscall.ProcAttr) (int, error) {
	return syscall.ForkExec(argv0, argv, attr)
}
