package sigchld

import "sync/atomic"

// forkGen is 0 in a process image until Reset runs in it, which makes it 1.
// A parent remembers Gen at New; a mismatch means the parent was inherited
// across a fork and must not be used. It is read atomically; only Reset,
// alone in a forked child, writes it (plainly).
var forkGen uint32

// Gen returns the fork generation of this process image.
func Gen() uint32 { return atomic.LoadUint32(&forkGen) }

// GenInChild is Gen for code running alone in a forked child, which may
// not call the race detector's instrumented atomics.
//
//go:nosplit
//go:norace
func GenInChild() uint32 { return forkGen }
