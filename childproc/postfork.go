package childproc

import "sync/atomic"

// forkGen is 0 in a process image until PostforkChildNoexec runs in it,
// which makes it 1. A parent remembers the value at New; a mismatch means
// the parent was inherited from the parent across a fork and must not be
// used. It is read atomically; only PostforkChildNoexec, alone in a forked
// child, writes it (plainly).
var forkGen uint32

func currentForkGen() uint32 { return atomic.LoadUint32(&forkGen) }
