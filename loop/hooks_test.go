package loop

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/testutil"
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
			require.NoError(t, err)
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
		require.NoError(t, l.Run())
		// Run a little past the old deadlines to see they do not fire.
		_, err := ev.RegisterTimeout(start.Add(3*unit), timeoutFunc(func() error { l.Stop(); return nil }))
		require.NoError(t, err)
		require.NoError(t, l.Run())
		r.expect(t, false, "old1", "new1", "new0", "new2")
		for _, reg := range fresh {
			ev.DeregisterTimeout(reg) // fired: no-op
		}
		fds, timers := l.registered()
		assert.Zero(t, fds, "fds left registered")
		assert.Zero(t, timers, "timers left registered")
	})
}

func TestOSEventsFD(t *testing.T) {
	forBackends(t, func(t *testing.T, l *Loop) {
		var ev hooks.OSEvents = l
		var r rec
		s := socketpair(t)
		write1(t, s[1])
		reg, err := ev.RegisterFD(s[0], hooks.In, fdFunc(r.fd("t")))
		require.NoError(t, err)
		runOnce(t, l, false)
		r.expect(t, false, "t:In")
		reg, err = ev.ModifyFD(reg, s[0], hooks.Out)
		require.NoError(t, err)
		runOnce(t, l, false)
		r.expect(t, false, "t:Out")
		_, err = ev.ModifyFD(reg, s[1], hooks.In)
		assert.ErrorIs(t, err, os.ErrInvalid, "ModifyFD with the wrong fd")
		_, err = ev.ModifyFD("junk", s[0], hooks.In)
		assert.ErrorIs(t, err, os.ErrInvalid, "ModifyFD with a foreign registration")
		ev.DeregisterFD("junk", s[0])
		ev.DeregisterTimeout("junk")
		ev.DeregisterFD(reg, s[0])
		ev.DeregisterFD(reg, s[0])
		runOnce(t, l, false)
		r.expect(t, false)
		_, err = ev.RegisterFD(s[0], hooks.In, nil)
		assert.ErrorIs(t, err, os.ErrInvalid, "RegisterFD(nil target)")
		_, err = ev.RegisterTimeout(time.Time{}, nil)
		assert.ErrorIs(t, err, os.ErrInvalid, "RegisterTimeout(nil target)")
	})
}

// A target's error (the library's reentrancy error, say) ends Run.
func TestOSEventsTargetError(t *testing.T) {
	l := testLoop(t, backendDefault)
	boom := errors.New("reentrant")
	p := testutil.Pipe(t)
	write1(t, p[1])
	_, err := l.RegisterFD(p[0], hooks.In, fdFunc(func(int, hooks.Events) error { return boom }))
	require.NoError(t, err)
	watchdog(t, l)
	err = l.Run()
	assert.Same(t, boom, err, "Run = %v, want the target's error itself", err)
}

// ModifyTimeout on a timeout that expired in this round but whose turn has
// not come moves it: it fires once, at the new deadline.
func TestModifyExpiredTimeout(t *testing.T) {
	l := testLoop(t, backendDefault)
	var r rec
	var second hooks.Registration
	_, err := l.RegisterTimeout(time.Now().Add(-2*time.Second), timeoutFunc(func() error {
		r.add("first")
		_, err := l.ModifyTimeout(second, time.Now().Add(time.Hour))
		return err
	}))
	require.NoError(t, err)
	second, _ = l.RegisterTimeout(time.Now().Add(-time.Second), timeoutFunc(r.timer("second")))
	runOnce(t, l, false)
	r.expect(t, false, "first")
	_, err = l.ModifyTimeout(second, time.Time{})
	require.NoError(t, err)
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
	require.NoError(t, err)
	runOnce(t, l, false)
	r.expect(t, false, "fired")
	_, err = l.ModifyTimeout(reg, time.Now().Add(time.Hour))
	assert.ErrorIs(t, err, hooks.ErrNotArmed, "ModifyTimeout after it fired")
	reg2, err := l.RegisterTimeout(time.Now().Add(time.Hour), timeoutFunc(r.timer("never")))
	require.NoError(t, err)
	l.DeregisterTimeout(reg2)
	_, err = l.ModifyTimeout(reg2, time.Time{})
	assert.ErrorIs(t, err, hooks.ErrNotArmed, "ModifyTimeout after deregistration")
	l.mu.Lock()
	n := l.timers.Len()
	l.mu.Unlock()
	assert.Zero(t, n, "timers armed in the loop")
}
