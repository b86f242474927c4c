package netpoll_test

import (
	"errors"
	"io/fs"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/netpoll"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const guard = 30 * time.Second

// target records FDOccurred calls and runs an optional action.
type target struct {
	mu  sync.Mutex
	evs []hooks.Events
	on  func(fd int, ev hooks.Events)
	got chan struct{}
}

func newTarget() *target { return &target{got: make(chan struct{}, 1<<12)} }

func (t *target) FDOccurred(fd int, ev hooks.Events) error {
	t.mu.Lock()
	t.evs = append(t.evs, ev)
	on := t.on
	t.mu.Unlock()
	if on != nil {
		on(fd, ev)
	}
	t.got <- struct{}{}
	return nil
}

func (t *target) wait(tb testing.TB) {
	tb.Helper()
	select {
	case <-t.got:
	case <-time.After(guard):
		tb.Fatal("no occurrence")
	}
}

func (t *target) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.evs)
}

// dispatchers: nil (the Hooks' goroutine) and an application goroutine.
func forDispatch(t *testing.T, f func(t *testing.T, h *netpoll.Hooks)) {
	t.Run("own goroutine", func(t *testing.T) {
		h, err := netpoll.New(nil)
		require.NoError(t, err)
		defer h.Close()
		f(t, h)
	})
	t.Run("app goroutine", func(t *testing.T) {
		work := make(chan func(), 16)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for f := range work {
				f()
			}
		}()
		h, err := netpoll.New(func(f func()) error { work <- f; return nil })
		require.NoError(t, err)
		f(t, h)
		require.NoError(t, h.Close())
		close(work)
		<-done
	})
}

// A readable pipe is delivered until it is drained: level-triggered.
func TestLevelTriggered(t *testing.T) {
	forDispatch(t, func(t *testing.T, h *netpoll.Hooks) {
		p := testutil.Pipe(t)
		tg := newTarget()
		var reads atomic.Int32
		tg.on = func(fd int, ev hooks.Events) {
			if reads.Add(1) == 3 { // drain on the third delivery
				buf := make([]byte, 16)
				_, _ = unix.Read(fd, buf)
			}
		}
		_, err := h.RegisterFD(p[0], hooks.In, tg)
		require.NoError(t, err)
		_, err = unix.Write(p[1], []byte("x"))
		require.NoError(t, err)
		for range 3 {
			tg.wait(t)
		}
		time.Sleep(50 * time.Millisecond)
		assert.Equal(t, 3, tg.count(), "delivered after it was drained")
	})
}

// Modify changes what is asked; a mask of 0 delivers nothing, even a
// hang-up; Deregister stops delivery at once, an occurrence collected
// before it included.
func TestModifyDeregisterHup(t *testing.T) {
	forDispatch(t, func(t *testing.T, h *netpoll.Hooks) {
		p := testutil.Pipe(t)
		tg := newTarget()
		reg, err := h.RegisterFD(p[1], 0, tg) // the write end: writable at once
		require.NoError(t, err)
		time.Sleep(30 * time.Millisecond)
		assert.Zero(t, tg.count(), "mask 0 delivered")
		var stopped atomic.Bool
		tg.on = func(int, hooks.Events) {
			if !stopped.Swap(true) {
				h.DeregisterFD(reg, p[1])
			}
		}
		_, err = h.ModifyFD(reg, p[1], hooks.Out)
		require.NoError(t, err)
		tg.wait(t)
		time.Sleep(30 * time.Millisecond)
		assert.Equal(t, 1, tg.count(), "delivered after DeregisterFD")
		assert.Equal(t, hooks.Out, tg.evs[0])

		// A hang-up reported unasked: the reader of a closed pipe.
		q := testutil.Pipe(t)
		hup := newTarget()
		r2, err := h.RegisterFD(q[0], hooks.In, hup)
		require.NoError(t, err)
		unix.Close(q[1])
		q[1] = -1
		hup.wait(t)
		hup.mu.Lock()
		assert.NotZero(t, hup.evs[0]&hooks.Hup, "events %v", hup.evs[0])
		hup.mu.Unlock()
		h.DeregisterFD(r2, q[0])
	})
}

// An error condition alone (a write end whose reader is gone, asked for
// nothing but reported anyway once asked for Out).
func TestFault(t *testing.T) {
	forDispatch(t, func(t *testing.T, h *netpoll.Hooks) {
		p := testutil.Pipe(t)
		unix.Close(p[0])
		p[0] = -1
		tg := newTarget()
		reg, err := h.RegisterFD(p[1], hooks.Out, tg)
		require.NoError(t, err)
		tg.wait(t)
		h.DeregisterFD(reg, p[1])
		tg.mu.Lock()
		assert.NotZero(t, tg.evs[0]&hooks.Fault, "events %v", tg.evs[0])
		tg.mu.Unlock()
	})
}

type timeout struct{ fired chan int }

func (t timeout) TimeoutOccurred() error { t.fired <- 1; return nil }

// Timeouts fire in deadline order, moved ones at their new deadline; a
// fired one is not armed again; a deregistered one does not fire.
func TestTimeouts(t *testing.T) {
	forDispatch(t, func(t *testing.T, h *netpoll.Hooks) {
		order := make(chan int, 8)
		mk := func(i int) hooks.TimeoutTarget { return orderTarget{i, order} }
		now := time.Now()
		_, err := h.RegisterTimeout(now.Add(40*time.Millisecond), mk(2))
		require.NoError(t, err)
		_, err = h.RegisterTimeout(now.Add(20*time.Millisecond), mk(1))
		require.NoError(t, err)
		moved, err := h.RegisterTimeout(now.Add(time.Hour), mk(3))
		require.NoError(t, err)
		_, err = h.ModifyTimeout(moved, now.Add(60*time.Millisecond))
		require.NoError(t, err)
		gone, err := h.RegisterTimeout(now.Add(30*time.Millisecond), mk(99))
		require.NoError(t, err)
		h.DeregisterTimeout(gone)
		for want := 1; want <= 3; want++ {
			select {
			case got := <-order:
				assert.Equal(t, want, got)
			case <-time.After(guard):
				t.Fatal("timeout did not fire")
			}
		}
		_, err = h.ModifyTimeout(moved, time.Now())
		assert.ErrorIs(t, err, hooks.ErrNotArmed)
		time.Sleep(20 * time.Millisecond)
		assert.Empty(t, order, "a deregistered timeout fired")
	})
}

type orderTarget struct {
	i     int
	order chan int
}

func (o orderTarget) TimeoutOccurred() error { o.order <- o.i; return nil }

// A dispatch that fails stops delivery and is reported by Err; Close
// reports fs.ErrClosed through Err and refuses registrations.
func TestDispatchFailureAndClose(t *testing.T) {
	boom := errors.New("loop shutting down")
	h, err := netpoll.New(func(func()) error { return boom })
	require.NoError(t, err)
	p := testutil.Pipe(t)
	tg := newTarget()
	_, err = h.RegisterFD(p[0], hooks.In, tg)
	require.NoError(t, err)
	_, _ = unix.Write(p[1], []byte("x"))
	deadline := time.Now().Add(guard)
	for h.Err() == nil {
		require.True(t, time.Now().Before(deadline), "dispatch failure not reported")
		time.Sleep(time.Millisecond)
	}
	assert.ErrorIs(t, h.Err(), boom)
	assert.Zero(t, tg.count())
	require.NoError(t, h.Close())

	h, err = netpoll.New(nil)
	require.NoError(t, err)
	require.NoError(t, h.Close())
	require.NoError(t, h.Close(), "second Close")
	assert.ErrorIs(t, h.Err(), fs.ErrClosed)
	_, err = h.RegisterFD(p[0], hooks.In, tg)
	assert.ErrorIs(t, err, fs.ErrClosed)
	_, err = h.RegisterTimeout(time.Now(), timeout{})
	assert.ErrorIs(t, err, fs.ErrClosed)
}
