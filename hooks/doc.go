// Package hooks is the contract between an application that owns its event
// loop and the childloop library that wants to watch file descriptors, arm
// timeouts and learn about child processes inside that loop.
//
// The package holds the contract's types, its two errors and documentation
// only. An application implements [OSEvents] (or uses the reference loop in
// package loop, which implements it); package osevent and package childproc
// call the hooks and receive occurrences back through [FDTarget] and
// [TimeoutTarget]. How children are handled (who reaps what, who catches
// SIGCHLD) is configured in package childproc, not here.
//
// In libxl, whose design this follows, OSEvents is libxl_osevent_hooks and
// the targets are the for_libxl cookies handed to its fd and timeout hooks.
//
// # Registrations
//
// The library registers an fd or a timeout by calling a Register hook. The
// hook returns an application-defined [Registration] value, which the library
// treats as opaque and hands back unchanged to the Modify and Deregister
// hooks. Modify hooks may return a new Registration value; the library stores
// whatever they return.
//
// Several registrations may name the same fd (for example one for reading and
// one for writing, or two library objects watching one pipe). The
// application must keep them apart: each registration has its own target and
// its own event mask, and an fd readiness must be reported to every
// registration whose mask covers it.
//
// An empty event mask is valid in Register and Modify: the registration
// exists, but nothing is to be delivered for it. (poll(2) and epoll report
// POLLERR and POLLHUP even for an empty mask; the application may report
// them, and the library drops them.)
//
// # Occurrences
//
// When a registered fd is ready, the application calls
// [FDTarget.FDOccurred] with the fd number and the events poll or epoll
// reported. When a timeout's deadline has passed, the application calls
// [TimeoutTarget.TimeoutOccurred]; from that moment the timeout registration
// is gone on both sides and the library will not deregister it again (a
// Deregister hook call that races with the firing must still be tolerated:
// see [OSEvents]).
//
// The application may deliver occurrences late: after the registration was
// modified or deregistered, or for an fd number that was closed and reused
// by a new registration. The library ignores such stale occurrences, because
// each target is bound to exactly one registration generation. Applications
// need not, and cannot, filter them perfectly themselves.
//
// Occurrences are delivered from the application's loop goroutine (any one
// goroutine at a time is allowed, but a single loop goroutine is the normal
// case). The library runs its own callbacks — including child death
// callbacks — on the goroutine that delivered the occurrence, after releasing
// its internal locks.
//
// # Errors
//
// A Register or Modify hook that returns a non-nil error must leave the
// application's state as it was before the call. The library then leaves its
// own state unchanged too and returns the error (wrapped) to its caller. A
// Deregister hook cannot fail; it must tolerate an fd that has already been
// closed by someone else (EBADF from epoll_ctl is to be ignored) and a timeout
// that has already fired.
//
// # Threading and lock hierarchy
//
// The library calls hooks while holding its own internal locks. Hence the
// order is always:
//
//	library parent lock  →  library registry lock  →  locks taken inside hooks
//
// and two rules follow for the application:
//
//  1. A hook must not call back into the library: not an occurrence entry
//     point, not a parent method. The library detects an occurrence
//     delivered from inside a hook on the same goroutine and returns an
//     error wrapping [ErrReentrant] instead of corrupting its state or
//     deadlocking.
//  2. The application must not hold a lock that its hooks take while it
//     calls into the library (for example while delivering an occurrence):
//     the library may call a hook from that call, and the hook would then wait
//     for a lock its own caller holds.
//
// Hooks may be called from any goroutine that calls into the library, not
// only from the loop goroutine; an application whose loop is single-threaded
// must make its hook implementations safe for that (the reference loop does,
// and wakes itself when a registration changes from another goroutine).
package hooks
