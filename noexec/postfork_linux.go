//go:build linux

package noexec

import "github.com/childloop/childloop/internal/sigchld"

// PostforkChild makes a forked child that will not exec independent of
// the library state it inherited. Call it first in the child, from the
// goroutine that forked. It empties the SIGCHLD user list, resets SIGCHLD to
// SIG_DFL and closes every registered self-pipe; every inherited
// childproc.Parent then returns childproc.ErrForked. It takes no lock,
// allocates nothing and cannot grow the stack, so it works whatever locks
// other goroutines held at the fork; afterwards the child may run only
// //go:nosplit code making raw system calls (Steps is the supported way). A
// second call does nothing. It returns nil on Linux and an error wrapping
// errors.ErrUnsupported elsewhere.
//
//go:nosplit
//go:norace
func PostforkChild() error {
	sigchld.Reset()
	return nil
}
