package loop

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/testutil"
)

// rec records callback invocations in order. Safe for concurrent use.
type rec struct {
	mu  sync.Mutex
	got []string
}

func (r *rec) add(format string, a ...any) {
	r.mu.Lock()
	r.got = append(r.got, fmt.Sprintf(format, a...))
	r.mu.Unlock()
}

// fd returns a watcher callback recording "name:revents".
func (r *rec) fd(name string) func(fd int, revents hooks.Events) error {
	return func(_ int, ev hooks.Events) error { r.add("%s:%v", name, ev); return nil }
}

// timer returns a timer callback recording name.
func (r *rec) timer(name string) func() error {
	return func() error { r.add("%s", name); return nil }
}

// take returns and forgets what was recorded, sorted when unordered.
func (r *rec) take(sorted bool) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.got
	r.got = nil
	if sorted {
		slices.Sort(g)
	}
	return g
}

func (r *rec) expect(t *testing.T, sorted bool, want ...string) {
	t.Helper()
	assert.Equal(t, want, r.take(sorted), "callbacks")
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		require.NoError(t, err)
		return v
	}
}

// behaviour is the table run against every backend.
var behaviour = []struct {
	name string
	fn   func(t *testing.T, l *Loop)
}{
	{"ReadablePipe", func(t *testing.T, l *Loop) {
		var r rec
		p := testutil.Pipe(t)
		must[*Watcher](t)(l.Watch(p[0], hooks.In, r.fd("r")))
		runOnce(t, l, false)
		r.expect(t, false)
		write1(t, p[1])
		runOnce(t, l, true)
		r.expect(t, false, "r:In")
		runOnce(t, l, false) // level-triggered: still readable
		r.expect(t, false, "r:In")
	}},
	{"ModifyInOutNone", func(t *testing.T, l *Loop) {
		var r rec
		s := socketpair(t)
		write1(t, s[1]) // s[0] is now readable and writable
		w := must[*Watcher](t)(l.Watch(s[0], hooks.In, r.fd("w")))
		runOnce(t, l, false)
		r.expect(t, false, "w:In")
		require.NoError(t, w.Modify(hooks.Out))
		runOnce(t, l, false)
		r.expect(t, false, "w:Out")
		require.NoError(t, w.Modify(0))
		runOnce(t, l, false)
		r.expect(t, false)
		require.NoError(t, w.Modify(hooks.In|hooks.Out))
		runOnce(t, l, false)
		r.expect(t, false, "w:In|Out")
		assert.ErrorIs(t, w.Modify(hooks.Fault), os.ErrInvalid, "Modify(Err)")
		assert.Equal(t, hooks.In|hooks.Out, w.events(), "Events after a failed Modify")
	}},
	{"WatcherStop", func(t *testing.T, l *Loop) {
		var r rec
		p := testutil.Pipe(t)
		write1(t, p[1])
		w := must[*Watcher](t)(l.Watch(p[0], hooks.In, r.fd("r")))
		w.Stop()
		w.Stop()
		runOnce(t, l, false)
		r.expect(t, false)
		assert.ErrorIs(t, w.Modify(hooks.In), os.ErrInvalid, "Modify after Stop")
		fds, _ := l.registered()
		assert.Zero(t, fds, "fds registered after Stop")
	}},
	{"SharedFD", func(t *testing.T, l *Loop) {
		var r rec
		s := socketpair(t)
		write1(t, s[1])
		in := must[*Watcher](t)(l.Watch(s[0], hooks.In, r.fd("in")))
		must[*Watcher](t)(l.Watch(s[0], hooks.Out, r.fd("out")))
		must[*Watcher](t)(l.Watch(s[0], hooks.In|hooks.Out, r.fd("both")))
		runOnce(t, l, false)
		r.expect(t, true, "both:In|Out", "in:In", "out:Out")
		in.Stop()
		runOnce(t, l, false)
		r.expect(t, true, "both:In|Out", "out:Out")
	}},
	{"EmptyMask", func(t *testing.T, l *Loop) {
		var r rec
		p := testutil.Pipe(t)
		must[*Watcher](t)(l.Watch(p[0], 0, r.fd("empty")))
		write1(t, p[1])
		unix.Close(p[1]) // the read end now has data and a hang-up
		p[1] = -1
		runOnce(t, l, false)
		r.expect(t, false)
		// The unrequested Hup does not end a blocking wait either, even
		// when another fd's change rebuilds the poll array: the wait lasts
		// until the timer is due.
		watchdog(t, l)
		must[*Watcher](t)(l.Watch(testutil.Pipe(t)[0], hooks.In, r.fd("idle")))
		must[*Timer](t)(l.AddTimer(time.Now().Add(ms(5)), r.timer("timer")))
		runOnce(t, l, true)
		r.expect(t, false, "timer")
		// Share the fd with a watcher that asks for In: the kernel now
		// reports the fd (In, Hup), and only that watcher may see it.
		must[*Watcher](t)(l.Watch(p[0], hooks.In, r.fd("in")))
		runOnce(t, l, false)
		if got := r.take(false); assert.Len(t, got, 1, "callbacks: want just in:In[|Hup]") {
			assert.Contains(t, []string{"in:In|Hup", "in:In"}, got[0], "callbacks: want just in:In[|Hup]")
		}
		var b [1]byte
		unix.Read(p[0], b[:]) // drained: only Hup left
		runOnce(t, l, false)
		r.expect(t, false, "in:Hup")
	}},
	{"StaleAfterStopCloseReuse", func(t *testing.T, l *Loop) {
		// Two readable pipes. Whichever callback runs first stops the
		// other watcher, closes the other pipe, makes a readable pipe that
		// gets the same fd number and watches it, and adds a watcher to its
		// own fd. Neither the stopped watcher, nor the new one on the
		// reused number, nor the one added to its own fd may see an event
		// collected before they existed; the next round delivers to both
		// new ones.
		var r rec
		p := [2]*[2]int{testutil.Pipe(t), testutil.Pipe(t)}
		var ws [2]*Watcher
		first := true
		for i := range 2 {
			name := fmt.Sprint("old", i)
			ws[i] = must[*Watcher](t)(l.Watch(p[i][0], hooks.In, func(fd int, ev hooks.Events) error {
				r.add("%s:%v", name, ev)
				if !first {
					return nil
				}
				first = false
				other := 1 - i
				ws[other].Stop()
				oldFD := p[other][0]
				unix.Close(p[other][0])
				unix.Close(p[other][1])
				np := testutil.Pipe(t)
				if np[0] != oldFD {
					return fmt.Errorf("new pipe got fd %d, not the reused %d", np[0], oldFD)
				}
				write1(t, np[1])
				if _, err := l.Watch(np[0], hooks.In, r.fd("reused")); err != nil {
					return err
				}
				p[other] = np
				_, err := l.Watch(fd, hooks.In, r.fd("added"))
				return err
			}))
			write1(t, p[i][1])
		}
		runOnce(t, l, false)
		got := r.take(false)
		require.Len(t, got, 1, "first round: want one old watcher")
		require.Contains(t, []string{"old0:In", "old1:In"}, got[0], "first round: want one old watcher")
		runOnce(t, l, false)
		r.expect(t, true, "added:In", got[0], "reused:In")
	}},
	{"StaleFromClosedDup", func(t *testing.T, l *Loop) {
		// An fd closed before its watcher stopped, while a dup keeps the
		// file open: epoll keeps the old registration and reports it under
		// the old number, now used by a new pipe with a new watcher. The
		// generation in the event tells them apart.
		var r rec
		old := testutil.Pipe(t)
		dup, err := unix.Dup(old[0])
		require.NoError(t, err)
		defer unix.Close(dup)
		w := must[*Watcher](t)(l.Watch(old[0], hooks.In, r.fd("old")))
		oldFD := old[0]
		unix.Close(old[0])
		old[0] = -1
		w.Stop() // EBADF: epoll cannot remove it any more
		np := testutil.Pipe(t)
		if np[0] != oldFD {
			t.Skipf("new pipe got fd %d, not the reused %d", np[0], oldFD)
		}
		must[*Watcher](t)(l.Watch(np[0], hooks.In, r.fd("new")))
		runOnce(t, l, false)
		r.expect(t, false)
		write1(t, old[1]) // readable through the dup only
		runOnce(t, l, false)
		r.expect(t, false)
		write1(t, np[1])
		runOnce(t, l, false)
		r.expect(t, false, "new:In")
	}},
	{"RegistrationDuringWait", func(t *testing.T, l *Loop) {
		// Between the wait and the dispatch, "another goroutine" adds a
		// watcher to a ready fd, and replaces a ready fd by a new readable
		// one with the same number. Neither new watcher may get an event
		// collected before it existed.
		var r rec
		a, b := testutil.Pipe(t), testutil.Pipe(t)
		write1(t, a[1])
		write1(t, b[1])
		must[*Watcher](t)(l.Watch(a[0], hooks.In, r.fd("a")))
		wb := must[*Watcher](t)(l.Watch(b[0], hooks.In, r.fd("b")))
		once := true
		l.afterWait(func() {
			if !once {
				return
			}
			once = false
			must[*Watcher](t)(l.Watch(a[0], hooks.In, r.fd("a2")))
			wb.Stop()
			oldFD := b[0]
			unix.Close(b[0])
			unix.Close(b[1])
			nb := testutil.Pipe(t)
			assert.Equal(t, oldFD, nb[0], "new pipe's fd: want the reused one")
			write1(t, nb[1])
			must[*Watcher](t)(l.Watch(nb[0], hooks.In, r.fd("b2")))
			b[0], b[1] = -1, -1
		})
		runOnce(t, l, false)
		r.expect(t, false, "a:In")
		runOnce(t, l, false)
		r.expect(t, true, "a2:In", "a:In", "b2:In")
	}},
	{"TimerOrder", func(t *testing.T, l *Loop) {
		var r rec
		now := time.Now()
		for _, d := range []int{30, 10, 20} {
			must[*Timer](t)(l.AddTimer(now.Add(ms(d)), r.timer(fmt.Sprint(d))))
		}
		for i := range 6 {
			must[*Timer](t)(l.AddTimer(time.Time{}, r.timer(fmt.Sprint("asap", i))))
		}
		must[*Timer](t)(l.AddTimer(now.Add(ms(40)), func() error { l.Stop(); return nil }))
		watchdog(t, l)
		require.NoError(t, l.Run())
		r.expect(t, false, "asap0", "asap1", "asap2", "asap3", "asap4", "asap5", "10", "20", "30")
		assert.True(t, time.Now().After(now.Add(ms(40))), "Run returned before the last deadline")
	}},
	{"TimerCancel", func(t *testing.T, l *Loop) {
		var r rec
		t1 := must[*Timer](t)(l.AddTimer(time.Now().Add(ms(5)), r.timer("t1")))
		must[*Timer](t)(l.AddTimer(time.Now().Add(ms(10)), func() error { r.add("t2"); l.Stop(); return nil }))
		assert.True(t, t1.Cancel(), "first Cancel")
		assert.False(t, t1.Cancel(), "second Cancel")
		watchdog(t, l)
		require.NoError(t, l.Run())
		r.expect(t, false, "t2")
		_, timers := l.registered()
		assert.Zero(t, timers, "timers left")
	}},
	{"TimerReset", func(t *testing.T, l *Loop) {
		var r rec
		tm := must[*Timer](t)(l.AddTimer(time.Now().Add(time.Hour), r.timer("t")))
		require.NoError(t, tm.Reset(time.Time{}))
		watchdog(t, l)
		runOnce(t, l, true)
		r.expect(t, false, "t")
		assert.False(t, tm.Cancel(), "Cancel of a fired timer")
		// Re-arm after firing; moving a due timer later defers it.
		must[*Timer](t)(l.AddTimer(time.Now().Add(ms(10)), r.timer("mark")))
		tm.Reset(time.Time{})
		tm.Reset(time.Now().Add(ms(20)))
		must[*Timer](t)(l.AddTimer(time.Now().Add(ms(30)), func() error { l.Stop(); return nil }))
		require.NoError(t, l.Run())
		r.expect(t, false, "mark", "t")
	}},
	{"TimerASAPAndPast", func(t *testing.T, l *Loop) {
		var r rec
		must[*Timer](t)(l.AddTimer(time.Time{}, r.timer("asap")))
		must[*Timer](t)(l.AddTimer(time.Now().Add(-time.Hour), r.timer("past")))
		must[*Timer](t)(l.AddTimer(time.Now().Add(time.Hour), r.timer("later")))
		watchdog(t, l)
		runOnce(t, l, true)                // must not sleep: both are due
		r.expect(t, false, "asap", "past") // ASAP is the earliest time of all
	}},
	{"TimerCancelledInSameRound", func(t *testing.T, l *Loop) {
		var r rec
		now := time.Now()
		var t2, t3 *Timer
		must[*Timer](t)(l.AddTimer(now.Add(-3*time.Second), func() error {
			r.add("t1")
			if !t2.Cancel() {
				r.add("t2 not cancellable")
			}
			return t3.Reset(time.Now().Add(time.Hour))
		}))
		t2 = must[*Timer](t)(l.AddTimer(now.Add(-2*time.Second), r.timer("t2")))
		t3 = must[*Timer](t)(l.AddTimer(now.Add(-time.Second), r.timer("t3")))
		must[*Timer](t)(l.AddTimer(now.Add(-time.Millisecond), r.timer("t4")))
		runOnce(t, l, false)
		runOnce(t, l, false)
		r.expect(t, false, "t1", "t4")
		_, timers := l.registered()
		assert.Equal(t, 1, timers, "timers armed: want t3 only")
	}},
	{"WakeFromGoroutine", func(t *testing.T, l *Loop) {
		watchdog(t, l)
		done := make(chan struct{})
		go func() {
			defer close(done)
			l.waitPolling(t)
			assert.NoError(t, l.Wake())
		}()
		runOnce(t, l, true)
		<-done
	}},
	{"WakeCollapses", func(t *testing.T, l *Loop) {
		watchdog(t, l)
		for range 100 {
			require.NoError(t, l.Wake())
		}
		assert.Equal(t, 1, l.pendingWakeWrites(), "writes by 100 Wakes")
		l.Wake()
		runOnce(t, l, true) // consumes it and re-enables writes
		l.Wake()
		assert.Equal(t, 1, l.pendingWakeWrites(), "writes by a Wake after a drained wake")
	}},
	{"LoopStop", func(t *testing.T, l *Loop) {
		watchdog(t, l)
		l.Stop() // before Run: the next Run returns at once
		require.NoError(t, l.Run())
		go func() {
			l.waitPolling(t)
			l.Stop()
		}()
		require.NoError(t, l.Run())
	}},
	{"CloseIdempotent", func(t *testing.T, l *Loop) {
		p := testutil.Pipe(t)
		w := must[*Watcher](t)(l.Watch(p[0], hooks.In, func(int, hooks.Events) error { return nil }))
		tm := must[*Timer](t)(l.AddTimer(time.Now().Add(time.Hour), func() error { return nil }))
		require.NoError(t, l.Close())
		assert.NoError(t, l.Close(), "second Close (idempotent)")
		for name, err := range map[string]error{
			"Run":     l.Run(),
			"RunOnce": l.RunOnce(false),
			"Wake":    l.Wake(),
			"Modify":  w.Modify(hooks.Out),
			"Reset":   tm.Reset(time.Time{}),
		} {
			assert.ErrorIs(t, err, fs.ErrClosed, "%s after Close", name)
		}
		_, err := l.Watch(p[0], hooks.In, func(int, hooks.Events) error { return nil })
		assert.ErrorIs(t, err, fs.ErrClosed, "Watch after Close")
		_, err = l.AddTimer(time.Time{}, func() error { return nil })
		assert.ErrorIs(t, err, fs.ErrClosed, "AddTimer after Close")
		assert.False(t, tm.Cancel(), "Cancel after Close")
		w.Stop()
		l.Stop()
	}},
	{"RegisterWhileBlocked", func(t *testing.T, l *Loop) {
		// Run blocks with nothing to wait for; a watcher added from another
		// goroutine must end the wait (epoll: the kernel; poll: a wake).
		watchdog(t, l)
		p := testutil.Pipe(t)
		write1(t, p[1])
		go func() {
			l.waitPolling(t)
			_, err := l.Watch(p[0], hooks.In, func(int, hooks.Events) error { l.Stop(); return nil })
			assert.NoError(t, err)
		}()
		require.NoError(t, l.Run())
	}},
	{"TimerWhileBlocked", func(t *testing.T, l *Loop) {
		// Blocked until a timer an hour away; an earlier one added from
		// another goroutine must wake the loop.
		watchdog(t, l)
		must[*Timer](t)(l.AddTimer(time.Now().Add(time.Hour), func() error { return nil }))
		go func() {
			l.waitPolling(t)
			_, err := l.AddTimer(time.Now().Add(ms(1)), func() error { l.Stop(); return nil })
			assert.NoError(t, err)
		}()
		require.NoError(t, l.Run())
	}},
	{"CallbackCloses", func(t *testing.T, l *Loop) {
		var r rec
		p, q := testutil.Pipe(t), testutil.Pipe(t)
		write1(t, p[1])
		write1(t, q[1])
		var tm *Timer
		closer := func(name string) func(fd int, revents hooks.Events) error {
			return func(int, hooks.Events) error {
				r.add("%s", name)
				err := l.Close()
				assert.False(t, tm.Cancel(), "Cancel after Close") // expired in this iteration, never to fire
				return err
			}
		}
		must[*Watcher](t)(l.Watch(p[0], hooks.In, closer("p")))
		must[*Watcher](t)(l.Watch(q[0], hooks.In, closer("q")))
		tm = must[*Timer](t)(l.AddTimer(time.Time{}, r.timer("timer")))
		watchdog(t, l)
		require.NoError(t, l.Run())
		assert.Len(t, r.take(false), 1, "callbacks: none after Close")
	}},
	{"CloseWhileBlocked", func(t *testing.T, l *Loop) {
		watchdog(t, l)
		errc := make(chan error, 1)
		go func() {
			l.waitPolling(t)
			errc <- l.Close()
		}()
		require.NoError(t, l.Run())
		require.NoError(t, <-errc)
	}},
	{"CallbackError", func(t *testing.T, l *Loop) {
		e1, e2 := errors.New("e1"), errors.New("e2")
		must[*Timer](t)(l.AddTimer(time.Time{}, func() error { return e1 }))
		must[*Timer](t)(l.AddTimer(time.Time{}, func() error { return e2 }))
		must[*Timer](t)(l.AddTimer(time.Time{}, func() error { return nil }))
		err := l.RunOnce(false)
		assert.ErrorIs(t, err, e1, "RunOnce: want e1 and e2")
		assert.ErrorIs(t, err, e2, "RunOnce: want e1 and e2")
		must[*Timer](t)(l.AddTimer(time.Time{}, func() error { return e1 }))
		err = l.Run()
		assert.Same(t, e1, err, "Run = %v, want e1 itself", err)
	}},
	{"BadArguments", func(t *testing.T, l *Loop) {
		p := testutil.Pipe(t)
		nop := func(int, hooks.Events) error { return nil }
		for _, c := range []struct {
			fd int
			ev hooks.Events
			fn func(fd int, revents hooks.Events) error
		}{{-1, hooks.In, nop}, {p[0], hooks.In, nil}, {p[0], hooks.Hup, nop}} {
			_, err := l.Watch(c.fd, c.ev, c.fn)
			assert.ErrorIs(t, err, os.ErrInvalid, "Watch(%d, %v, fn==nil %v)", c.fd, c.ev, c.fn == nil)
		}
		unix.Close(p[0])
		for _, ev := range []hooks.Events{0, hooks.In} {
			_, err := l.Watch(p[0], ev, nop)
			assert.ErrorIs(t, err, unix.EBADF, "Watch(closed fd, %v)", ev)
		}
		p[0] = -1
		_, err := l.AddTimer(time.Time{}, nil)
		assert.ErrorIs(t, err, os.ErrInvalid, "AddTimer(nil)")
		fds, timers := l.registered()
		assert.Zero(t, fds+timers, "failed calls left %d fds, %d timers", fds, timers)
	}},
	{"StopClosedFD", func(t *testing.T, l *Loop) {
		p := testutil.Pipe(t)
		w := must[*Watcher](t)(l.Watch(p[0], hooks.In, func(int, hooks.Events) error { return nil }))
		unix.Close(p[0])
		p[0] = -1
		w.Stop() // EBADF from epoll_ctl DEL is ignored
		runOnce(t, l, false)
	}},
	{"ConcurrentRegistration", func(t *testing.T, l *Loop) {
		// Goroutines churn watchers and timers while the loop runs; under
		// -race this checks the locking.
		watchdog(t, l)
		s := socketpair(t)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 200 {
					w, err := l.Watch(s[g%2], hooks.Out, func(int, hooks.Events) error { return nil })
					if !assert.NoError(t, err) {
						return
					}
					tm, err := l.AddTimer(time.Now().Add(time.Duration(i%3)*time.Microsecond), func() error { return nil })
					if !assert.NoError(t, err) {
						return
					}
					if i%2 == 0 {
						tm.Cancel()
					}
					w.Modify(hooks.In)
					w.Stop()
				}
			}()
		}
		go func() { wg.Wait(); l.Stop() }()
		require.NoError(t, l.Run())
		fds, _ := l.registered()
		assert.Zero(t, fds, "fds left")
	}},
}

func TestBehaviour(t *testing.T) {
	for _, c := range behaviour {
		t.Run(c.name, func(t *testing.T) { forBackends(t, c.fn) })
	}
}

func TestRunOnceFromCallbackPanics(t *testing.T) {
	l := testLoop(t, backendDefault)
	must[*Timer](t)(l.AddTimer(time.Time{}, func() error {
		defer func() {
			assert.NotNil(t, recover(), "nested RunOnce did not panic")
		}()
		return l.RunOnce(false)
	}))
	runOnce(t, l, false)
}

func TestPanickingCallbackKeepsTimers(t *testing.T) {
	l := testLoop(t, backendDefault)
	var r rec
	must[*Timer](t)(l.AddTimer(time.Time{}, func() error { panic("boom") }))
	must[*Timer](t)(l.AddTimer(time.Now().Add(-time.Second), r.timer("after")))
	func() {
		defer func() { recover() }()
		l.RunOnce(false)
	}()
	runOnce(t, l, false)
	r.expect(t, false, "after")
}

func TestNewBadBackend(t *testing.T) {
	_, err := newLoop((backend(42)))
	assert.ErrorIs(t, err, os.ErrInvalid, "New(backend(42))")
	if defaultBackend != backendEpoll {
		_, err = newLoop(backendEpoll)
		assert.ErrorIs(t, err, errors.ErrUnsupported, "New(backendEpoll) without epoll")
	}
}
