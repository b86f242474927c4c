//go:build unix

package osevent

import (
	"testing"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// runPollLoop runs the application's loop on p until done() or a 10 s
// guard expires (a hang guard, not a speed assertion).
func runPollLoop(t *testing.T, p *PollArray, done func() bool) {
	t.Helper()
	guard := time.Now().Add(10 * time.Second)
	var arr []unix.PollFd
	for !done() {
		require.False(t, time.Now().After(guard), "poll loop did not finish")
		var ms int
		arr, ms = p.BeforePoll(arr[:0], 1000, time.Now())
		pollOnce(t, arr, ms)
		require.NoError(t, p.AfterPoll(arr, time.Now()))
	}
}

// libxl's test_timedereg, scaled from seconds to 100 ms: three timeouts at
// 200, 100 and 200 ms. The first to fire deregisters the other two,
// registers a new set of three and deregisters itself; in the second set
// the first to fire deregisters the other two and itself.
func TestTimeDereg(t *testing.T) {
	testutil.CheckFDLeak(t)
	p, r := newPollRegistry(t)
	const unit = 100 * time.Millisecond
	var order []string
	var sets [2][3]*Timeout
	var arm func(set int)
	occurs := func(set, i int) func() {
		return func() {
			order = append(order, string(rune('A'+set))+string(rune('0'+i)))
			for j, other := range sets[set] {
				if j != i {
					other.Deregister()
				}
			}
			if set == 0 {
				arm(1)
			}
			sets[set][i].Deregister() // already fired: a no-op
		}
	}
	arm = func(set int) {
		now := time.Now()
		for i, d := range [3]time.Duration{2 * unit, unit, 2 * unit} {
			tm, err := r.RegisterTimeout(now.Add(d), occurs(set, i))
			require.NoError(t, err)
			sets[set][i] = tm
		}
	}
	arm(0)
	runPollLoop(t, p, func() bool { return len(order) == 2 })
	assert.Equal(t, []string{"A1", "B1"}, order)
	fds, tos := r.counts()
	assert.Equal(t, [2]int{0, 0}, [2]int{fds, tos})
	pf, pt := p.counts()
	assert.Equal(t, [2]int{0, 0}, [2]int{pf, pt})
	for _, set := range sets {
		for _, tm := range set {
			assert.False(t, tm.isArmed())
		}
	}
}

// Timeouts that expire in the same AfterPoll fire in deadline order; one
// deregistered by an earlier callback does not fire, one modified to ASAP
// by an earlier callback fires in the next round, and a callback touching
// its own (consumed) timeout is harmless.
func TestTimeoutsChangedWhileFiring(t *testing.T) {
	p, r := newPollRegistry(t)
	now := time.Now()
	var order []string
	var x, y, z, w *Timeout
	var selfErr error
	x, err := r.RegisterTimeout(now.Add(-3*time.Millisecond), func() {
		order = append(order, "x")
		y.Deregister()
		require.NoError(t, z.Modify(time.Time{}))
		selfErr = x.Modify(time.Time{})
		x.Deregister()
	})
	require.NoError(t, err)
	w, err = r.RegisterTimeout(now.Add(-time.Millisecond), func() { order = append(order, "w") })
	require.NoError(t, err)
	y, err = r.RegisterTimeout(now.Add(-2*time.Millisecond), func() { order = append(order, "y") })
	require.NoError(t, err)
	z, err = r.RegisterTimeout(now, func() { order = append(order, "z") })
	require.NoError(t, err)

	arr, ms := p.BeforePoll(nil, -1, time.Now())
	assert.Equal(t, 0, ms)
	pollOnce(t, arr, ms)
	require.NoError(t, p.AfterPoll(arr, time.Now()))
	assert.Equal(t, []string{"x", "w"}, order)
	assert.ErrorIs(t, selfErr, hooks.ErrNotArmed)
	assert.True(t, z.isArmed())
	assert.False(t, w.isArmed())

	arr, ms = p.BeforePoll(arr[:0], -1, time.Now())
	assert.Equal(t, 0, ms, "z was modified to ASAP")
	pollOnce(t, arr, ms)
	require.NoError(t, p.AfterPoll(arr, time.Now()))
	assert.Equal(t, []string{"x", "w", "z"}, order)
	fds, tos := r.counts()
	assert.Equal(t, [2]int{0, 0}, [2]int{fds, tos})
}

// A callback that keeps re-arming an ASAP timeout does not livelock
// AfterPoll: the new timeout waits for the next round.
func TestASAPRearmDoesNotLivelock(t *testing.T) {
	p, r := newPollRegistry(t)
	n := 0
	var fn func()
	fn = func() {
		n++
		_, err := r.RegisterTimeout(time.Time{}, fn)
		require.NoError(t, err)
	}
	_, err := r.RegisterTimeout(time.Time{}, fn)
	require.NoError(t, err)
	for range 3 {
		arr, ms := p.BeforePoll(nil, -1, time.Now())
		assert.Equal(t, 0, ms)
		require.NoError(t, p.AfterPoll(arr, time.Now()))
	}
	assert.Equal(t, 3, n)
}
