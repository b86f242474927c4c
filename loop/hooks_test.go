package loop

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/childloop/childloop/hooks"
)

type timeoutFunc func() error

func (f timeoutFunc) TimeoutOccurred() error { return f() }

type fdFunc func(fd int, ev hooks.Events) error

func (f fdFunc) FDOccurred(fd int, ev hooks.Events) error { return f(fd, ev) }

// TestTimedereg is libxl's test_timedereg through hooks.OSEvents, scaled
// down: timeouts at 2, 1 and 2 units. When the 1-unit one fires, it
// deregisters the other two, registers three new ones and deregisters
// itself (already fired: a no-op). The new ones fire in deadline order,
// the deregistered ones never, and nothing is left registered.
func TestTimedereg(t *testing.T) {
	forBackends(t, func(t *testing.T, l *Loop) {
		var ev hooks.OSEvents = l
		var r rec
		unit := ms(100)
		start := time.Now()
		var regs [3]hooks.Registration
		var fresh [3]hooks.Registration
		register := func(d time.Duration, target hooks.TimeoutTarget) hooks.Registration {
			reg, err := ev.RegisterTimeout(start.Add(d), target)
			if err != nil {
				t.Fatal(err)
			}
			return reg
		}
		left := 3
		newTarget := func(name string) hooks.TimeoutTarget {
			return timeoutFunc(func() error {
				r.add("%s", name)
				if left--; left == 0 {
					l.Stop()
				}
				return nil
			})
		}
		regs[0] = register(2*unit, timeoutFunc(func() error { r.add("old0"); return nil }))
		regs[1] = register(unit, timeoutFunc(func() error {
			r.add("old1")
			ev.DeregisterTimeout(regs[0])
			ev.DeregisterTimeout(regs[2])
			now := time.Since(start)
			fresh[0] = register(now+unit/2, newTarget("new0"))
			fresh[1] = register(now+unit/4, newTarget("new1"))
			fresh[2] = register(now+unit*3/4, newTarget("new2"))
			ev.DeregisterTimeout(regs[1])
			return nil
		}))
		regs[2] = register(2*unit, timeoutFunc(func() error { r.add("old2"); return nil }))
		watchdog(t, l)
		if err := l.Run(); err != nil {
			t.Fatal(err)
		}
		// Run a little past the old deadlines to see they do not fire.
		if _, err := ev.RegisterTimeout(start.Add(3*unit), timeoutFunc(func() error { l.Stop(); return nil })); err != nil {
			t.Fatal(err)
		}
		if err := l.Run(); err != nil {
			t.Fatal(err)
		}
		r.expect(t, false, "old1", "new1", "new0", "new2")
		for _, reg := range fresh {
			ev.DeregisterTimeout(reg) // fired: no-op
		}
		if fds, timers := l.registered(); fds != 0 || timers != 0 {
			t.Errorf("left registered: %d fds, %d timers", fds, timers)
		}
	})
}

func TestOSEventsFD(t *testing.T) {
	forBackends(t, func(t *testing.T, l *Loop) {
		var ev hooks.OSEvents = l
		var r rec
		s := socketpair(t)
		write1(t, s[1])
		reg, err := ev.RegisterFD(s[0], hooks.In, fdFunc(r.fd("t")))
		if err != nil {
			t.Fatal(err)
		}
		runOnce(t, l, false)
		r.expect(t, false, "t:In")
		if reg, err = ev.ModifyFD(reg, s[0], hooks.Out); err != nil {
			t.Fatal(err)
		}
		runOnce(t, l, false)
		r.expect(t, false, "t:Out")
		if _, err := ev.ModifyFD(reg, s[1], hooks.In); !errors.Is(err, os.ErrInvalid) {
			t.Errorf("ModifyFD with the wrong fd = %v", err)
		}
		if _, err := ev.ModifyFD("junk", s[0], hooks.In); !errors.Is(err, os.ErrInvalid) {
			t.Errorf("ModifyFD with a foreign registration = %v", err)
		}
		ev.DeregisterFD("junk", s[0])
		ev.DeregisterTimeout("junk")
		ev.DeregisterFD(reg, s[0])
		ev.DeregisterFD(reg, s[0])
		runOnce(t, l, false)
		r.expect(t, false)
		if _, err := ev.RegisterFD(s[0], hooks.In, nil); !errors.Is(err, os.ErrInvalid) {
			t.Errorf("RegisterFD(nil target) = %v", err)
		}
		if _, err := ev.RegisterTimeout(time.Time{}, nil); !errors.Is(err, os.ErrInvalid) {
			t.Errorf("RegisterTimeout(nil target) = %v", err)
		}
	})
}

// A target's error (the library's reentrancy error, say) ends Run.
func TestOSEventsTargetError(t *testing.T) {
	l := testLoop(t, backendDefault)
	boom := errors.New("reentrant")
	p := pipe(t)
	write1(t, p[1])
	if _, err := l.RegisterFD(p[0], hooks.In, fdFunc(func(int, hooks.Events) error { return boom })); err != nil {
		t.Fatal(err)
	}
	watchdog(t, l)
	if err := l.Run(); err != boom {
		t.Errorf("Run = %v, want the target's error", err)
	}
}

// ModifyTimeout on a timeout that expired in this round but whose turn has
// not come moves it: it fires once, at the new deadline.
func TestModifyExpiredTimeout(t *testing.T) {
	l := testLoop(t, backendDefault)
	var r rec
	var second hooks.Registration
	if _, err := l.RegisterTimeout(time.Now().Add(-2*time.Second), timeoutFunc(func() error {
		r.add("first")
		_, err := l.ModifyTimeout(second, time.Now().Add(time.Hour))
		return err
	})); err != nil {
		t.Fatal(err)
	}
	second, _ = l.RegisterTimeout(time.Now().Add(-time.Second), timeoutFunc(r.timer("second")))
	runOnce(t, l, false)
	r.expect(t, false, "first")
	if _, err := l.ModifyTimeout(second, time.Time{}); err != nil {
		t.Fatal(err)
	}
	runOnce(t, l, false)
	r.expect(t, false, "second")
}

// TestModifyFiredTimeout: through the hooks, a timeout that already fired
// (or was deregistered) is not armed again, so nothing the library no
// longer tracks stays in the loop.
func TestModifyFiredTimeout(t *testing.T) {
	l := testLoop(t, backendDefault)
	var r rec
	reg, err := l.RegisterTimeout(time.Time{}, timeoutFunc(r.timer("fired")))
	if err != nil {
		t.Fatal(err)
	}
	runOnce(t, l, false)
	r.expect(t, false, "fired")
	if _, err := l.ModifyTimeout(reg, time.Now().Add(time.Hour)); !errors.Is(err, hooks.ErrNotArmed) {
		t.Errorf("ModifyTimeout after it fired: %v, want hooks.ErrNotArmed", err)
	}
	reg2, err := l.RegisterTimeout(time.Now().Add(time.Hour), timeoutFunc(r.timer("never")))
	if err != nil {
		t.Fatal(err)
	}
	l.DeregisterTimeout(reg2)
	if _, err := l.ModifyTimeout(reg2, time.Time{}); !errors.Is(err, hooks.ErrNotArmed) {
		t.Errorf("ModifyTimeout after deregistration: %v, want hooks.ErrNotArmed", err)
	}
	l.mu.Lock()
	n := len(l.timers)
	l.mu.Unlock()
	if n != 0 {
		t.Errorf("%d timers armed in the loop, want 0", n)
	}
}
