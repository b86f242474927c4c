package childproc

import "sync/atomic"

// forkGen counts PostforkChildNoexec calls in this process image. A context
// remembers the value at New; a mismatch means the context was inherited
// from the parent across a fork and must not be used. It is read atomically;
// only PostforkChildNoexec, alone in a forked child, writes it (plainly).
var forkGen uint32

// postforkDone is set by PostforkChildNoexec so that a second call (for
// example in a grandchild) does not close fd numbers that raw code in the
// child may have reused since.
var postforkDone uint32

func currentForkGen() uint32 { return atomic.LoadUint32(&forkGen) }
