// Package spawn starts child processes faster than syscall.ForkExec on Linux
// while keeping its contract: the call returns once the child has exec'd, an
// exec failure is returned as an error (and the failed child reaped), file
// descriptors are arranged as ProcAttr.Files says, and forking excludes
// syscall.ForkLock readers.
//
// syscall.ForkExec already clones with CLONE_VM|CLONE_VFORK, so the parent is
// suspended until the child execs. It then learns about exec failures from a
// close-on-exec pipe: pipe2, two closes and a read that often has to sleep,
// because the kernel resumes a vfork parent (at mm release) before it closes
// the child's close-on-exec descriptors. Measured on a 2-core VM, that second
// sleep doubles the context switches per spawn and costs about a fifth of the
// spawn rate. Here the child writes the failing errno into memory it shares
// with the suspended parent (CLONE_VM), which the parent reads after the
// vfork wake-up; there is no pipe and one sleep per spawn.
//
// Only what the child needs is implemented: Dir, Env, Files and, of
// SysProcAttr, Setsid, Setpgid/Pgid, Credential, Pdeathsig, PidFD and Setctty/Ctty, and the
// original soft RLIMIT_NOFILE that syscall.ForkExec gives children while
// Go's raised one is in effect (see ForkExec). For any other SysProcAttr
// field, and on systems other than linux/amd64 and linux/arm64, ForkExec
// falls back to syscall.ForkExec.
package spawn
