package childproc

import "sync/atomic"

// forkGen counts PostforkChildNoexec calls in this process image. A context
// remembers the value at New; a mismatch means the context was inherited
// from the parent across a fork and must not be used.
var forkGen atomic.Uint32
