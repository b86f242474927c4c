// Package netpoll implements the library's hooks (hooks.OSEvents) on Go's
// own runtime netpoller, for programs whose loop is not one the library can
// register fds in: servers built on net.Conn, or on gnet, whose loops
// watch only their own connections.
//
// The registered fds sit in a private, level-triggered epoll set; only
// that set's fd is in Go's netpoller, so a thousand children cost one
// netpoller entry and no thread parked in epoll_wait. One goroutine of the
// Hooks waits for the set to become readable, collects what is ready, and
// hands the batch to the dispatch function given to New, which runs it
// where the application wants its callbacks (gnet: EventLoop.Execute).
// Timeouts are Go timers whose expiries are dispatched the same way.
//
// Semantics are level-triggered, as the hooks contract requires: an fd
// that is still ready after its callback ran is delivered again in the
// next batch. The collecting goroutine waits for each batch to have run
// before it collects again, so a callback is never delivered twice for one
// readiness and callbacks never run concurrently with each other. If
// dispatch returns an error (the application's loop is shutting down),
// the Hooks stop delivering and Err reports that error; the library then
// refuses to start children whose exits it could not hear of.
//
// Linux only: elsewhere New returns an error wrapping errors.ErrUnsupported.
package netpoll
