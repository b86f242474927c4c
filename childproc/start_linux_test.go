package childproc_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/testutil"
)

// startTally checks Start's promises per Cmd: started once, before
// OnExit, OnExit once with the right status.
type startTally struct {
	mu      sync.Mutex
	started []int // per Cmd: started calls
	exits   []int // per Cmd: OnExit calls
	early   int   // OnExit before started
	wrong   int   // wrong statuses or errors
	ended   chan struct{}
}

func newStartTally(n int) *startTally {
	return &startTally{started: make([]int, n), exits: make([]int, n), ended: make(chan struct{}, n)}
}

// cmd returns Cmd i, which exits with i%7, and its started callback.
func (s *startTally) cmd(i int, next func()) (*childproc.Cmd, func(*childproc.Child, error)) {
	cmd := &childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", fmt.Sprintf("exit %d", i%7)},
		OnExit: func(_ *childproc.Child, st childproc.Status) {
			s.mu.Lock()
			s.exits[i]++
			if s.started[i] == 0 {
				s.early++
			}
			if st.Code != i%7 {
				s.wrong++
			}
			s.mu.Unlock()
			if next != nil {
				next()
			}
			s.ended <- struct{}{}
		}}
	return cmd, func(ch *childproc.Child, err error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.started[i]++
		if err != nil || ch == nil || ch.Pid() <= 0 {
			s.wrong++
		}
	}
}

// check waits for n exits and asserts every promise.
func (s *startTally) check(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		select {
		case <-s.ended:
		case <-time.After(hangGuard):
			require.FailNow(t, "exits missing", "%d of %d", i, n)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range n {
		if s.started[i] != 1 || s.exits[i] != 1 {
			t.Errorf("Cmd %d: started %d times, exited %d times", i, s.started[i], s.exits[i])
		}
	}
	assert.Zero(t, s.early, "OnExit before started")
	assert.Zero(t, s.wrong, "wrong statuses, errors or children")
}

// A loop whose callbacks start the next child: 2000 children, 64 in
// flight, each started once, before its exit, with its own status.
func TestStartFromCallbacks(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := childproc.StartLoop(t)
		c := newParent(t, l, parentOf{Strategy: v.strategy})
		const total, inFlight = 2000, 64
		s := newStartTally(total)
		var next atomic.Int64
		var startNext func()
		startNext = func() {
			i := int(next.Add(1)) - 1
			if i >= total {
				return
			}
			cmd, started := s.cmd(i, startNext)
			if err := c.Start(cmd, started); err != nil {
				t.Error(err)
			}
		}
		for range inFlight {
			startNext()
		}
		s.check(t, total)
	})
}

// 64 goroutines start children at once, beside os/exec commands: no exit
// lost or reported twice, no os/exec status taken.
func TestStartConcurrent(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	const goroutines, each = 64, 30
	s := newStartTally(goroutines * each)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range each {
				cmd, started := s.cmd(g*each+k, nil)
				if err := c.Start(cmd, started); err != nil {
					t.Error(err)
				}
			}
			if g%8 == 0 {
				if err := exec.Command("/bin/sh", "-c", "exit 3").Run(); exitCode(err) != 3 {
					t.Errorf("os/exec: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	s.check(t, goroutines*each)
}

// A Cmd Spawn would refuse reaches started with Spawn's error, and no
// other callback runs.
func TestStartError(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	errs := make(chan error, 1)
	err := c.Start(&childproc.Cmd{Args: []string{"no-such-program-here"},
		OnExit: func(*childproc.Child, childproc.Status) { t.Error("OnExit of a child never started") }},
		func(ch *childproc.Child, err error) {
			assert.Nil(t, ch)
			errs <- err
		})
	require.NoError(t, err)
	select {
	case err := <-errs:
		assert.ErrorIs(t, err, exec.ErrNotFound)
	case <-time.After(hangGuard):
		require.FailNow(t, "started never ran")
	}
}

// Close drops what is still queued, without callbacks, and its spawner
// goroutines are gone when it returns; Start after Close fails; a parent
// without a loop refuses Start.
func TestStartClose(t *testing.T) {
	l := childproc.StartLoop(t)
	before := runtime.NumGoroutine()
	c, err := childproc.New(l, childproc.Config{})
	require.NoError(t, err)
	var after atomic.Bool
	startSleepers(t, c, 200, &after, func() {})
	require.NoError(t, c.Close())
	after.Store(true)
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines after Close")
	assert.ErrorIs(t, c.Start(shell("exit 0", func(*childproc.Child, childproc.Status) {}), func(*childproc.Child, error) {}), fs.ErrClosed)

	app, err := childproc.New(nil, childproc.Config{Mode: childproc.ModeApp})
	require.NoError(t, err)
	defer app.Close()
	err = app.Start(shell("exit 0", func(*childproc.Child, childproc.Status) {}), func(*childproc.Child, error) {})
	assert.ErrorIs(t, err, errors.ErrUnsupported)
	time.Sleep(10 * time.Millisecond) // a callback that would come late
}

// Close from a started callback, on the loop goroutine, while spawners
// are still forking: it returns (no spawner waits for the loop), and
// nothing is reported afterwards.
func TestStartCloseFromCallback(t *testing.T) {
	l := childproc.StartLoop(t)
	c, err := childproc.New(l, childproc.Config{})
	require.NoError(t, err)
	closed := make(chan error, 1)
	var once sync.Once
	var after atomic.Bool
	startSleepers(t, c, 100, &after, func() {
		once.Do(func() {
			closed <- c.Close()
			after.Store(true)
		})
	})
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(hangGuard):
		require.FailNow(t, "Close from a started callback never returned")
	}
	require.NoError(t, testutil.NoChildren())
}

// startSleepers starts n children that sleep 30 s; each callback fails
// the test once after is set, and started also calls onStarted.
func startSleepers(t *testing.T, c *childproc.Parent, n int, after *atomic.Bool, onStarted func()) {
	t.Helper()
	for range n {
		err := c.Start(&childproc.Cmd{Path: "/bin/sleep", Args: []string{"sleep", "30"},
			OnExit: func(*childproc.Child, childproc.Status) {
				if after.Load() {
					t.Error("OnExit after Close")
				}
			}}, func(*childproc.Child, error) {
			if after.Load() {
				t.Error("started after Close")
			}
			onStarted()
		})
		require.NoError(t, err)
	}
}
