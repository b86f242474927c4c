// Package noexec forks children that run no Go code, and makes a forked
// child independent of the library state it inherited.
//
// Go code cannot run in a forked child that has not exec'd: only the
// forking thread survives, a mutex another goroutine held is held forever,
// and the first stack check throws "stack growth after fork". So instead of
// a callback the caller declares Steps, which a //go:nosplit interpreter
// runs in the child with raw system calls, after PostforkChild. A
// childproc.Parent forks them with ForkNoexec, recording the child before
// any reaper can see it; Steps.Start forks them for a caller who reaps.
package noexec

import (
	"fmt"
	"os"
	"syscall"
)

// Steps is the program a forked child runs. Everything the steps need (C
// strings, argv arrays) is prepared in the parent.
//
// Steps run in order. A step that fails ends the child with exit code
// StepFailedCode (ExecFailedCode for Exec). A program that ends without
// Exec or Exit exits with code 0.
//
// Build a Steps with its methods, which append and return the receiver:
//
//	var s noexec.Steps
//	s.Setsid().Fork().Dup2(logFD, 1).Exec("/usr/sbin/mydaemon", []string{"mydaemon"}, nil)
type Steps struct {
	steps []step
	err   error // first construction error, reported by Start
}

// Exit codes the interpreter uses when a step fails.
const (
	StepFailedCode = 126 // a step other than Exec failed
	ExecFailedCode = 127 // execve failed
)

type stepKind uint8

const (
	stepSetsid stepKind = iota + 1
	stepDup2
	stepChdir
	stepCloseFrom
	stepFork
	stepWrite
	stepExec
	stepExit
	stepCall
)

// step is one instruction; which fields matter depends on kind.
type step struct {
	kind stepKind
	a, b int            // fds or exit code
	path *byte          // NUL-terminated path for Chdir and Exec
	argv []*byte        // nil-terminated argv for Exec
	envv []*byte        // nil-terminated envp for Exec
	data []byte         // bytes for Write
	fn   func() uintptr // Call
}

func (s *Steps) add(st step) *Steps {
	s.steps = append(s.steps, st)
	return s
}

func (s *Steps) fail(err error) *Steps {
	if s.err == nil {
		s.err = err
	}
	return s
}

// Setsid makes the child a session leader (setsid(2)).
func (s *Steps) Setsid() *Steps { return s.add(step{kind: stepSetsid}) }

// Dup2 duplicates oldfd onto newfd; newfd is not close-on-exec afterwards.
func (s *Steps) Dup2(oldfd, newfd int) *Steps {
	if oldfd < 0 || newfd < 0 {
		return s.fail(invalid("Steps.Dup2(%d, %d): negative fd", oldfd, newfd))
	}
	return s.add(step{kind: stepDup2, a: oldfd, b: newfd})
}

// Chdir changes the working directory.
func (s *Steps) Chdir(dir string) *Steps {
	p, err := syscall.BytePtrFromString(dir)
	if err != nil {
		return s.fail(invalid("Steps.Chdir: %v", err))
	}
	return s.add(step{kind: stepChdir, path: p})
}

// CloseFrom closes every fd >= fd (close_range(2), Linux ≥ 5.9; on older
// kernels the step fails).
func (s *Steps) CloseFrom(fd int) *Steps {
	if fd < 0 {
		return s.fail(invalid("Steps.CloseFrom(%d): negative fd", fd))
	}
	return s.add(step{kind: stepCloseFrom, a: fd})
}

// Fork forks again: the current child exits with code 0 at once and the
// new grandchild runs the remaining steps. With Setsid before it this is
// the classic double-fork daemon: the grandchild is no longer our child.
func (s *Steps) Fork() *Steps { return s.add(step{kind: stepFork}) }

// Write writes data to fd (one write(2); a short write is not retried).
func (s *Steps) Write(fd int, data []byte) *Steps {
	return s.add(step{kind: stepWrite, a: fd, data: append([]byte(nil), data...)})
}

// Exec replaces the child with path, given argv and env (nil env: an empty
// environment). It is the last step that can run.
func (s *Steps) Exec(path string, argv, env []string) *Steps {
	if len(argv) == 0 {
		return s.fail(invalid("Steps.Exec: empty argv"))
	}
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return s.fail(invalid("Steps.Exec: %v", err))
	}
	a, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return s.fail(invalid("Steps.Exec: %v", err))
	}
	e, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return s.fail(invalid("Steps.Exec: %v", err))
	}
	return s.add(step{kind: stepExec, path: p, argv: a, envv: e})
}

// Exit ends the child with code (0..255).
func (s *Steps) Exit(code int) *Steps {
	if code < 0 || code > 255 {
		return s.fail(invalid("Steps.Exit(%d): code out of range 0..255", code))
	}
	return s.add(step{kind: stepExit, a: code})
}

// Call runs fn in the child. fn must be //go:nosplit (and //go:norace),
// allocate nothing, take no lock, and make only raw system calls; a nonzero
// result ends the child with that exit code. It is for a system call the
// other steps lack (prctl, setrlimit).
func (s *Steps) Call(fn func() uintptr) *Steps {
	if fn == nil {
		return s.fail(invalid("Steps.Call(nil)"))
	}
	return s.add(step{kind: stepCall, fn: fn})
}

// Start forks a child that runs the steps and returns its pid; the caller
// must reap it. It returns the first error of the steps' construction
// (wrapping os.ErrInvalid) before forking. Forking is serialised with
// os/exec through syscall.ForkLock. On systems other than Linux it returns
// an error wrapping errors.ErrUnsupported.
func (s *Steps) Start() (pid int, err error) {
	if s.err != nil {
		return 0, s.err
	}
	return start(s.steps)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("noexec: %w: %s", os.ErrInvalid, fmt.Sprintf(format, args...))
}
