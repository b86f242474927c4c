package sysfd

import (
	"github.com/childloop/childloop/hooks"
	"golang.org/x/sys/unix"
)

// The hooks.Events bits are the poll(2) bits of the same names (as package
// hooks documents), so loop and osevent convert masks to and from
// unix.PollFd with plain conversions. A system where they differ (AIX)
// fails to compile here.
const (
	_ = hooks.In - unix.POLLIN
	_ = unix.POLLIN - hooks.In
	_ = hooks.Pri - unix.POLLPRI
	_ = unix.POLLPRI - hooks.Pri
	_ = hooks.Out - unix.POLLOUT
	_ = unix.POLLOUT - hooks.Out
	_ = hooks.Fault - unix.POLLERR
	_ = unix.POLLERR - hooks.Fault
	_ = hooks.Hup - unix.POLLHUP
	_ = unix.POLLHUP - hooks.Hup
	_ = hooks.Nval - unix.POLLNVAL
	_ = unix.POLLNVAL - hooks.Nval
)

// Requestable is the set of hooks.Events bits a registration may ask for;
// the others are only ever reported.
const Requestable = hooks.In | hooks.Pri | hooks.Out
