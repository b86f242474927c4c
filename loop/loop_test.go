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

	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/hooks"
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
	if got := r.take(sorted); !slices.Equal(got, want) {
		t.Errorf("callbacks: got %q, want %q", got, want)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
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
		p := pipe(t)
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
		if err := w.Modify(hooks.Out); err != nil {
			t.Fatal(err)
		}
		runOnce(t, l, false)
		r.expect(t, false, "w:Out")
		if err := w.Modify(0); err != nil {
			t.Fatal(err)
		}
		runOnce(t, l, false)
		r.expect(t, false)
		if err := w.Modify(hooks.In | hooks.Out); err != nil {
			t.Fatal(err)
		}
		runOnce(t, l, false)
		r.expect(t, false, "w:In|Out")
		if err := w.Modify(hooks.Fault); !errors.Is(err, os.ErrInvalid) {
			t.Errorf("Modify(Err) = %v, want os.ErrInvalid", err)
		}
		if got := w.events(); got != hooks.In|hooks.Out {
			t.Errorf("Events after a failed Modify = %v", got)
		}
	}},
	{"WatcherStop", func(t *testing.T, l *Loop) {
		var r rec
		p := pipe(t)
		write1(t, p[1])
		w := must[*Watcher](t)(l.Watch(p[0], hooks.In, r.fd("r")))
		w.Stop()
		w.Stop()
		runOnce(t, l, false)
		r.expect(t, false)
		if err := w.Modify(hooks.In); !errors.Is(err, os.ErrInvalid) {
			t.Errorf("Modify after Stop = %v, want os.ErrInvalid", err)
		}
		if fds, _ := l.registered(); fds != 0 {
			t.Errorf("%d fds registered after Stop", fds)
		}
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
		p := pipe(t)
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
		must[*Watcher](t)(l.Watch(pipe(t)[0], hooks.In, r.fd("idle")))
		must[*Timer](t)(l.AddTimer(time.Now().Add(ms(5)), r.timer("timer")))
		runOnce(t, l, true)
		r.expect(t, false, "timer")
		// Share the fd with a watcher that asks for In: the kernel now
		// reports the fd (In, Hup), and only that watcher may see it.
		must[*Watcher](t)(l.Watch(p[0], hooks.In, r.fd("in")))
		runOnce(t, l, false)
		if got := r.take(false); len(got) != 1 || (got[0] != "in:In|Hup" && got[0] != "in:In") {
			t.Errorf("callbacks: got %q, want just in:In[|Hup]", got)
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
		p := [2]*[2]int{pipe(t), pipe(t)}
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
				np := pipe(t)
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
		if len(got) != 1 || (got[0] != "old0:In" && got[0] != "old1:In") {
			t.Fatalf("first round: got %q, want one old watcher", got)
		}
		runOnce(t, l, false)
		r.expect(t, true, "added:In", got[0], "reused:In")
	}},
	{"StaleFromClosedDup", func(t *testing.T, l *Loop) {
		// An fd closed before its watcher stopped, while a dup keeps the
		// file open: epoll keeps the old registration and reports it under
		// the old number, now used by a new pipe with a new watcher. The
		// generation in the event tells them apart.
		var r rec
		old := pipe(t)
		dup, err := unix.Dup(old[0])
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(dup)
		w := must[*Watcher](t)(l.Watch(old[0], hooks.In, r.fd("old")))
		oldFD := old[0]
		unix.Close(old[0])
		old[0] = -1
		w.Stop() // EBADF: epoll cannot remove it any more
		np := pipe(t)
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
		a, b := pipe(t), pipe(t)
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
			nb := pipe(t)
			if nb[0] != oldFD {
				t.Errorf("new pipe got fd %d, not the reused %d", nb[0], oldFD)
			}
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
		if err := l.Run(); err != nil {
			t.Fatal(err)
		}
		r.expect(t, false, "asap0", "asap1", "asap2", "asap3", "asap4", "asap5", "10", "20", "30")
		if !time.Now().After(now.Add(ms(40))) {
			t.Error("Run returned before the last deadline")
		}
	}},
	{"TimerCancel", func(t *testing.T, l *Loop) {
		var r rec
		t1 := must[*Timer](t)(l.AddTimer(time.Now().Add(ms(5)), r.timer("t1")))
		must[*Timer](t)(l.AddTimer(time.Now().Add(ms(10)), func() error { r.add("t2"); l.Stop(); return nil }))
		if !t1.Cancel() {
			t.Error("first Cancel = false")
		}
		if t1.Cancel() {
			t.Error("second Cancel = true")
		}
		watchdog(t, l)
		if err := l.Run(); err != nil {
			t.Fatal(err)
		}
		r.expect(t, false, "t2")
		if _, timers := l.registered(); timers != 0 {
			t.Errorf("%d timers left", timers)
		}
	}},
	{"TimerReset", func(t *testing.T, l *Loop) {
		var r rec
		tm := must[*Timer](t)(l.AddTimer(time.Now().Add(time.Hour), r.timer("t")))
		if err := tm.Reset(time.Time{}); err != nil {
			t.Fatal(err)
		}
		watchdog(t, l)
		runOnce(t, l, true)
		r.expect(t, false, "t")
		if tm.Cancel() {
			t.Error("Cancel of a fired timer = true")
		}
		// Re-arm after firing; moving a due timer later defers it.
		must[*Timer](t)(l.AddTimer(time.Now().Add(ms(10)), r.timer("mark")))
		tm.Reset(time.Time{})
		tm.Reset(time.Now().Add(ms(20)))
		must[*Timer](t)(l.AddTimer(time.Now().Add(ms(30)), func() error { l.Stop(); return nil }))
		if err := l.Run(); err != nil {
			t.Fatal(err)
		}
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
		if _, timers := l.registered(); timers != 1 {
			t.Errorf("%d timers armed, want t3 only", timers)
		}
	}},
	{"WakeFromGoroutine", func(t *testing.T, l *Loop) {
		watchdog(t, l)
		done := make(chan struct{})
		go func() {
			defer close(done)
			l.waitPolling(t)
			if err := l.Wake(); err != nil {
				t.Error(err)
			}
		}()
		runOnce(t, l, true)
		<-done
	}},
	{"WakeCollapses", func(t *testing.T, l *Loop) {
		watchdog(t, l)
		for range 100 {
			if err := l.Wake(); err != nil {
				t.Fatal(err)
			}
		}
		if n := l.pendingWakeWrites(); n != 1 {
			t.Errorf("100 Wakes wrote %d times, want 1", n)
		}
		l.Wake()
		runOnce(t, l, true) // consumes it and re-enables writes
		l.Wake()
		if n := l.pendingWakeWrites(); n != 1 {
			t.Errorf("Wake after a drained wake wrote %d times, want 1", n)
		}
	}},
	{"LoopStop", func(t *testing.T, l *Loop) {
		watchdog(t, l)
		l.Stop() // before Run: the next Run returns at once
		if err := l.Run(); err != nil {
			t.Fatal(err)
		}
		go func() {
			l.waitPolling(t)
			l.Stop()
		}()
		if err := l.Run(); err != nil {
			t.Fatal(err)
		}
	}},
	{"CloseIdempotent", func(t *testing.T, l *Loop) {
		p := pipe(t)
		w := must[*Watcher](t)(l.Watch(p[0], hooks.In, func(int, hooks.Events) error { return nil }))
		tm := must[*Timer](t)(l.AddTimer(time.Now().Add(time.Hour), func() error { return nil }))
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Errorf("second Close = %v, want nil (idempotent)", err)
		}
		for name, err := range map[string]error{
			"Run":     l.Run(),
			"RunOnce": l.RunOnce(false),
			"Wake":    l.Wake(),
			"Modify":  w.Modify(hooks.Out),
			"Reset":   tm.Reset(time.Time{}),
		} {
			if !errors.Is(err, fs.ErrClosed) {
				t.Errorf("%s after Close = %v, want fs.ErrClosed", name, err)
			}
		}
		if _, err := l.Watch(p[0], hooks.In, func(int, hooks.Events) error { return nil }); !errors.Is(err, fs.ErrClosed) {
			t.Errorf("Watch after Close = %v", err)
		}
		if _, err := l.AddTimer(time.Time{}, func() error { return nil }); !errors.Is(err, fs.ErrClosed) {
			t.Errorf("AddTimer after Close = %v", err)
		}
		if tm.Cancel() {
			t.Error("Cancel after Close = true")
		}
		w.Stop()
		l.Stop()
	}},
	{"RegisterWhileBlocked", func(t *testing.T, l *Loop) {
		// Run blocks with nothing to wait for; a watcher added from another
		// goroutine must end the wait (epoll: the kernel; poll: a wake).
		watchdog(t, l)
		p := pipe(t)
		write1(t, p[1])
		go func() {
			l.waitPolling(t)
			if _, err := l.Watch(p[0], hooks.In, func(int, hooks.Events) error { l.Stop(); return nil }); err != nil {
				t.Error(err)
			}
		}()
		if err := l.Run(); err != nil {
			t.Fatal(err)
		}
	}},
	{"TimerWhileBlocked", func(t *testing.T, l *Loop) {
		// Blocked until a timer an hour away; an earlier one added from
		// another goroutine must wake the loop.
		watchdog(t, l)
		must[*Timer](t)(l.AddTimer(time.Now().Add(time.Hour), func() error { return nil }))
		go func() {
			l.waitPolling(t)
			if _, err := l.AddTimer(time.Now().Add(ms(1)), func() error { l.Stop(); return nil }); err != nil {
				t.Error(err)
			}
		}()
		if err := l.Run(); err != nil {
			t.Fatal(err)
		}
	}},
	{"CallbackCloses", func(t *testing.T, l *Loop) {
		var r rec
		p, q := pipe(t), pipe(t)
		write1(t, p[1])
		write1(t, q[1])
		var tm *Timer
		closer := func(name string) func(fd int, revents hooks.Events) error {
			return func(int, hooks.Events) error {
				r.add("%s", name)
				err := l.Close()
				if tm.Cancel() { // expired in this iteration, never to fire
					t.Error("Cancel after Close = true")
				}
				return err
			}
		}
		must[*Watcher](t)(l.Watch(p[0], hooks.In, closer("p")))
		must[*Watcher](t)(l.Watch(q[0], hooks.In, closer("q")))
		tm = must[*Timer](t)(l.AddTimer(time.Time{}, r.timer("timer")))
		watchdog(t, l)
		if err := l.Run(); err != nil {
			t.Fatal(err)
		}
		if got := r.take(false); len(got) != 1 {
			t.Errorf("callbacks after Close: %q", got)
		}
	}},
	{"CloseWhileBlocked", func(t *testing.T, l *Loop) {
		watchdog(t, l)
		errc := make(chan error, 1)
		go func() {
			l.waitPolling(t)
			errc <- l.Close()
		}()
		if err := l.Run(); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}},
	{"CallbackError", func(t *testing.T, l *Loop) {
		e1, e2 := errors.New("e1"), errors.New("e2")
		must[*Timer](t)(l.AddTimer(time.Time{}, func() error { return e1 }))
		must[*Timer](t)(l.AddTimer(time.Time{}, func() error { return e2 }))
		must[*Timer](t)(l.AddTimer(time.Time{}, func() error { return nil }))
		err := l.RunOnce(false)
		if !errors.Is(err, e1) || !errors.Is(err, e2) {
			t.Errorf("RunOnce = %v, want e1 and e2", err)
		}
		must[*Timer](t)(l.AddTimer(time.Time{}, func() error { return e1 }))
		if err := l.Run(); err != e1 {
			t.Errorf("Run = %v, want e1", err)
		}
	}},
	{"BadArguments", func(t *testing.T, l *Loop) {
		p := pipe(t)
		nop := func(int, hooks.Events) error { return nil }
		for _, c := range []struct {
			fd int
			ev hooks.Events
			fn func(fd int, revents hooks.Events) error
		}{{-1, hooks.In, nop}, {p[0], hooks.In, nil}, {p[0], hooks.Hup, nop}} {
			if _, err := l.Watch(c.fd, c.ev, c.fn); !errors.Is(err, os.ErrInvalid) {
				t.Errorf("Watch(%d, %v, fn==nil %v) = %v, want os.ErrInvalid", c.fd, c.ev, c.fn == nil, err)
			}
		}
		unix.Close(p[0])
		for _, ev := range []hooks.Events{0, hooks.In} {
			if _, err := l.Watch(p[0], ev, nop); !errors.Is(err, unix.EBADF) {
				t.Errorf("Watch(closed fd, %v) = %v, want EBADF", ev, err)
			}
		}
		p[0] = -1
		if _, err := l.AddTimer(time.Time{}, nil); !errors.Is(err, os.ErrInvalid) {
			t.Errorf("AddTimer(nil) = %v", err)
		}
		if fds, timers := l.registered(); fds+timers != 0 {
			t.Errorf("failed calls left %d fds, %d timers", fds, timers)
		}
	}},
	{"StopClosedFD", func(t *testing.T, l *Loop) {
		p := pipe(t)
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
					if err != nil {
						t.Error(err)
						return
					}
					tm, err := l.AddTimer(time.Now().Add(time.Duration(i%3)*time.Microsecond), func() error { return nil })
					if err != nil {
						t.Error(err)
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
		if err := l.Run(); err != nil {
			t.Fatal(err)
		}
		if fds, _ := l.registered(); fds != 0 {
			t.Errorf("%d fds left", fds)
		}
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
			if recover() == nil {
				t.Error("nested RunOnce did not panic")
			}
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
	if _, err := newLoop((backend(42))); !errors.Is(err, os.ErrInvalid) {
		t.Errorf("New(backend(42)) = %v", err)
	}
	if defaultBackend != backendEpoll {
		if _, err := newLoop(backendEpoll); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("New(backendEpoll) without epoll = %v, want errors.ErrUnsupported", err)
		}
	}
}
