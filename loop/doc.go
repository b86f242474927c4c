// Package loop is a reference application-owned event loop: one goroutine
// (the caller of [Loop.Run]) waits in epoll_wait (Linux) or poll(2) (other
// unix systems, and Linux on request) and runs fd watcher and timer
// callbacks. It starts no goroutines of its own.
//
// A [Loop] implements [hooks.OSEvents], so an application without an event
// loop of its own can pass one to the childloop library; it is equally usable
// on its own:
//
//	l, err := loop.New()
//	if err != nil {
//		return err
//	}
//	defer l.Close()
//	w, err := l.Watch(fd, hooks.In, func(fd int, ev hooks.Events) error {
//		// fd is readable (or ev has Fault/Hup).
//		return nil
//	})
//	...
//	l.AddTimer(time.Now().Add(time.Second), func() error {
//		l.Stop()
//		return nil
//	})
//	err = l.Run() // until Stop or Close
//
// # Semantics
//
// Watchers are level-triggered. Several watchers may watch one fd; each gets
// the events its own mask asks for, plus Fault and Hup (Nval for the poll
// backend), and a watcher whose mask is empty gets nothing. Timers are
// one-shot, ordered by deadline on the monotonic clock; a zero deadline
// (time.Time{}) or one in the past fires on the next iteration without
// sleeping.
//
// Stale events are dropped: an event collected by one wait is delivered to a
// watcher only if, at the moment of delivery, that watcher is still active,
// was registered before the wait began, and still asks for the event. A
// timer cancelled or reset by an earlier callback of the same iteration does
// not fire from that iteration.
//
// # Goroutines
//
// Every method except Run and RunOnce may be called from any goroutine,
// including from callbacks.
// Callbacks run on the goroutine inside Run or RunOnce, without any lock of
// the loop held. A change made by another goroutine while the loop is
// blocked wakes the loop when the change needs it (a new earliest timer; any
// fd change with the poll backend).
//
// # Errors
//
// A callback may return an error. The iteration in progress still delivers
// its remaining events; RunOnce then returns the callback errors (joined with
// [errors.Join] when there are several) and Run returns them and stops. For
// the [hooks.OSEvents] methods this means an error returned by a library
// target (for example a reentrant delivery) ends Run. The loop never logs.
//
// Deregister (Stop) a watcher before closing its fd: epoll keeps reporting
// an fd closed while still registered when the file is open elsewhere, and
// poll reports Nval for it on every iteration.
package loop
