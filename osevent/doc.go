// Package osevent is the library side of the hooks contract: a registry of
// the fd and timeout registrations one library parent has made in the
// application's event loop, the entry points through which the application
// delivers occurrences back, and a poll-array adapter ([PollArray]) for
// applications that call poll(2) themselves.
//
// # Registrations, generations and staleness
//
// Every successful [Registry.RegisterFD] or [Registry.RegisterTimeout]
// starts a registration generation: a fresh handle ([FD] or [Timeout]) with
// a fresh target object, which is what the application receives in its
// Register hook and what it calls back. A target is bound to its generation
// forever; it never moves to a later registration, even one for the same fd
// number. An occurrence is therefore stale, and is ignored with a nil error,
// exactly when its target's generation is no longer live (deregistered,
// fired, or its registry closed), or when it names a different fd than the
// one registered. Live fd occurrences are masked with the registration's
// current events plus [hooks.Fault], [hooks.Hup] and [hooks.Nval]; a
// registration whose mask is empty, or an occurrence whose masked result is
// zero, delivers nothing. A stale occurrence for a reused fd number cannot
// reach the new registration, because it arrives on the old target.
//
// Timeouts are one-shot: a live TimeoutOccurred consumes the registration
// (the library will not call the DeregisterTimeout hook for it), then runs
// the callback. A second delivery, or a delivery after Deregister, is stale.
//
// # Locks and goroutines
//
// A Registry has one mutex, held while its bookkeeping changes and while it
// calls the application's hooks; this is the documented order "library lock
// → locks taken inside hooks". Callbacks (the fn passed to RegisterFD and RegisterTimeout) run after
// the mutex is released, on the goroutine that delivered the occurrence, so
// they may register, modify or deregister anything (themselves included) and
// may close the registry. Every method is safe for concurrent use. A
// Deregister made on another goroutine can race with a delivery that has
// already left the registry; made on the delivering goroutine (normally the
// loop goroutine) it is exact: no callback for that generation follows.
//
// # Reentrancy
//
// A hook must not call back into the library. If it delivers an occurrence
// anyway, on the goroutine that is running the hook, the registry's mutex is
// already held by that very goroutine; locking it again would deadlock.
// Every entry point therefore first tries [sync.Mutex.TryLock], which
// succeeds on the common path at no extra cost. Only when it fails while a
// hook call is in progress (an atomic flag set around every hook call) does
// the entry point walk its own goroutine's stack, looking for the frame of
// the out-of-line method through which the registry calls hooks. Found
// means the call comes from inside a hook: it fails with [hooks.ErrReentrant]
// (occurrences, Register, Modify) or panics (methods without an error
// result). Not found means another goroutine merely holds the lock, and the
// entry point waits for it as usual. Go has no goroutine id; recording one
// (parsed from runtime.Stack) at every hook call would cost microseconds on
// every registration, while the stack walk is paid only on the rare
// contended-during-a-hook path. A hook that hands the occurrence to another
// goroutine and waits for it still deadlocks; that cannot be detected.
//
// # Poll arrays
//
// [PollArray] implements [hooks.OSEvents] on top of a poll(2) loop that the
// application runs itself, in the style of libxl's beforepoll/afterpoll.
// BeforePoll appends the registered fds to the application's array and
// snapshots which registration each appended slot belongs to; AfterPoll
// dispatches a slot only if that same registration is still live and the
// slot still names its fd, so an fd deregistered, closed and reopened while
// the application was in poll receives nothing from the old result. A wake
// fd in the array lets registrations made on other goroutines interrupt the
// application's poll.
package osevent
