package childproc

import "github.com/childloop/childloop/internal/sigchld"

// CheckSignalSource reports whether the SIGCHLD handler the library
// installed is still in place. On linux/amd64 and linux/arm64 the library
// catches SIGCHLD with its own handler (which chains to the Go runtime's, so
// signal.Notify keeps working); signal.Ignore(syscall.SIGCHLD), or C code
// calling sigaction, replaces it behind the library's back, and parents that
// learn of exits from SIGCHLD (ModeReapAll parents, and every parent where
// pidfds are missing) would then never hear of an exit again. A program
// that might do either can call this after doing it, or periodically. It
// returns nil when no handler is installed or the portable os/signal relay
// is in use, and otherwise an error describing what replaced the handler.
func CheckSignalSource() error { return sigchld.Check() }
