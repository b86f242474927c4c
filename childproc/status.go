package childproc

import "github.com/childloop/childloop/hooks"

// Status is how a child ended; see hooks.Status.
type Status = hooks.Status

// Mode says who handles SIGCHLD; see hooks.ChildMode.
type Mode = hooks.ChildMode

// The four ownership modes, re-exported from package hooks.
const (
	LibraryOwned    = hooks.LibraryOwned
	Always          = hooks.Always
	AlwaysSelective = hooks.AlwaysSelective
	Mainloop        = hooks.Mainloop
)
