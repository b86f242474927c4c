// Package methods registers the comparison rows of reaplat: childloop's
// paths (childloop_linux.go), os/exec, raw pidfd+epoll (the floor), a
// go-reap style wait4(-1) reaper, the naive signal.Notify → self-pipe
// relay, and the Node.js and Python peers. Import it for its side effect:
//
//	import _ "github.com/childloop/childloop/bench/internal/methods"
//
// Each in-process method measures with the protocol of bench/README.md:
// start /bin/cat on pipes, handshake one byte, t0 just before closing its
// stdin, t1 when the method's user code first knows the pid exited.
package methods
