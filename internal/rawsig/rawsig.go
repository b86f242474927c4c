package rawsig

import (
	"errors"
	"fmt"
)

var (
	// ErrUnsupported is returned (wrapped) by Install on platforms without
	// an assembly handler. It wraps errors.ErrUnsupported.
	ErrUnsupported = fmt.Errorf("rawsig: raw SIGCHLD handler not available on this platform: %w", errors.ErrUnsupported)

	// ErrAlreadyInstalled is returned by Install when the handler is
	// already installed.
	ErrAlreadyInstalled = errors.New("rawsig: SIGCHLD handler already installed")

	// ErrNotInstalled is returned by Uninstall and Check when the handler is
	// not installed.
	ErrNotInstalled = errors.New("rawsig: SIGCHLD handler not installed")

	// ErrOverwritten is returned (wrapped) by Check and Uninstall when the
	// current SIGCHLD action is no longer this package's handler, for example
	// after signal.Ignore(syscall.SIGCHLD) or a foreign sigaction call.
	ErrOverwritten = errors.New("rawsig: SIGCHLD handler was replaced")

	// ErrInvalidFD is returned (wrapped) by Publish for a negative fd or an
	// fd that is not open.
	ErrInvalidFD = errors.New("rawsig: invalid file descriptor")

	// ErrBlockingFD is returned (wrapped) by Publish for an fd that is not in
	// non-blocking mode: the handler must never block.
	ErrBlockingFD = errors.New("rawsig: file descriptor is not non-blocking")
)

// Supported reports whether this platform has the raw handler
// (linux/amd64 and linux/arm64).
func Supported() bool { return supported }

// Install saves the current SIGCHLD action and replaces it with the raw
// handler (SA_SIGINFO|SA_ONSTACK|SA_RESTART, all signals blocked while it
// runs, SA_NOCLDSTOP and SA_NOCLDWAIT copied from the saved action). The
// handler writes one byte to every fd of the published snapshot and then
// calls the saved handler, if it was a function.
//
// It returns ErrAlreadyInstalled if the handler is installed, and an error
// wrapping ErrUnsupported where [Supported] is false. Installing while SIGCHLD
// is SIG_IGN (after signal.Ignore) ends the kernel's automatic reaping.
func Install() error { return install() }

// Uninstall restores the action saved by Install. If the action was replaced
// meanwhile (see [Check]), Uninstall leaves the newer action alone, marks the
// handler uninstalled and returns an error wrapping ErrOverwritten.
//
// A handler invocation that started before Uninstall may still be running
// when it returns; to stop writes to the published fds, Publish an empty set
// and call Quiesce.
func Uninstall() error { return uninstall() }

// Installed reports whether Install succeeded and Uninstall has not been
// called since. It does not query the kernel; see Check.
func Installed() bool { return installedNow() }

// Check queries the current SIGCHLD action from the kernel and returns nil if
// it is still the raw handler, an error wrapping ErrOverwritten if something
// replaced it, or ErrNotInstalled.
func Check() error { return check() }
