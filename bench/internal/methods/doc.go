// Package methods is the table of reaplat's rows (Rows, rows_linux.go) and
// the code that measures each: childloop's paths (childloop_linux.go),
// os/exec, raw pidfd+epoll (the floor), a go-reap style wait4(-1) reaper,
// the naive signal.Notify → self-pipe relay, and the Node.js and Python
// peers.
//
// Each in-process row measures with the protocol of bench/README.md: start
// /bin/cat on pipes, handshake one byte, t0 just before closing its stdin,
// t1 when the method's user code first knows the pid exited.
package methods
