//go:build unix && !(linux && (amd64 || arm64))

package spawn

import "syscall"

// Without the vfork primitive every spawn is syscall.ForkExec's.
func fastEligible(*syscall.ProcAttr) (nofilePlan, bool) { return nofilePlan{}, false }

// nofilePlan has nothing to say without the fast path.
type nofilePlan struct{}

func vforkExec(argv0 string, argv []string, attr *syscall.ProcAttr, _ nofilePlan, _ bool) (int, error) {
	return syscall.ForkExec(argv0, argv, attr)
}
