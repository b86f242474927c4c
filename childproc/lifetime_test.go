//go:build linux

package childproc_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/testutil"
)

// spawnTimed spawns cmd on c with a recorder of its end (elapsed from
// just before Spawn).
func spawnTimed(t *testing.T, c *childproc.Parent, cmd *childproc.Cmd) (*childproc.Child, *recorder) {
	t.Helper()
	rec := newRecorder()
	cmd.OnExit = rec.onExit(c)
	ch, err := c.Spawn(cmd)
	require.NoError(t, err)
	return ch, rec
}

func sleepCmd(secs string) *childproc.Cmd {
	return &childproc.Cmd{Path: "/bin/sleep", Args: []string{"sleep", secs}}
}

func newTreeCtx(t *testing.T, ev hooks.OSEvents, tree childproc.Tree) *childproc.Parent {
	t.Helper()
	c, err := childproc.New(ev, childproc.Config{Tree: tree})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestDeadlineStopsChild(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := childproc.StartLoop(t)
		c := newParent(t, l, parentOf{Strategy: v.strategy})
		cmd := sleepCmd("30")
		cmd.Timeout = 300 * time.Millisecond
		_, e := spawnTimed(t, c, cmd)
		r := e.ended(t)
		assert.ErrorIs(t, r.st.Cause, context.DeadlineExceeded, "status %v", r.st)
		assert.Equal(t, syscall.SIGTERM, r.st.Signal)
		assert.False(t, r.st.Forced)
		assert.False(t, r.st.Success())
		assert.GreaterOrEqual(t, r.elapsed, 300*time.Millisecond)
		assert.Contains(t, r.st.String(), "stopped: ")
	})
}

func TestChildWithinDeadlineIsNotStopped(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	cmd := shell("exit 0", nil)
	cmd.Timeout = time.Minute
	_, e := spawnTimed(t, c, cmd)
	r := e.ended(t)
	assert.NoError(t, r.st.Cause)
	assert.True(t, r.st.Success(), "status %v", r.st)
}

// A child ignoring SIGTERM (sh passes the ignored disposition on to sleep)
// is killed once the grace period ends.
func TestGraceThenSIGKILL(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newTreeCtx(t, l, childproc.TreeGroup)
	ch, e := spawnIgnoringTERM(t, c, &childproc.Cmd{Timeout: time.Minute, Grace: 300 * time.Millisecond})
	require.NoError(t, ch.SetDeadline(time.Now().Add(200*time.Millisecond)))
	r := e.ended(t)
	assert.ErrorIs(t, r.st.Cause, context.DeadlineExceeded)
	assert.Equal(t, syscall.SIGKILL, r.st.Signal, "status %v", r.st)
	assert.True(t, r.st.Forced)
	assert.GreaterOrEqual(t, r.elapsed, 500*time.Millisecond, "grace cut short")
	assert.Contains(t, r.st.String(), "forced")
}

func TestStopSignalKILLNeedsNoGrace(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	ch, e := spawnIgnoringTERM(t, c, &childproc.Cmd{Timeout: time.Minute, StopSignal: syscall.SIGKILL})
	require.NoError(t, ch.SetDeadline(time.Now()))
	r := e.ended(t)
	assert.Equal(t, syscall.SIGKILL, r.st.Signal)
	assert.False(t, r.st.Forced, "SIGKILL was the stop signal itself")
	assert.ErrorIs(t, r.st.Cause, context.DeadlineExceeded)
}

// spawnIgnoringTERM spawns cmd (nil: a plain Cmd) running a shell that
// ignores SIGTERM and passes that on to its sleep, and returns once the
// trap is in place.
func spawnIgnoringTERM(t *testing.T, c *childproc.Parent, cmd *childproc.Cmd) (*childproc.Child, *recorder) {
	t.Helper()
	dir := t.TempDir()
	script := shell(`trap "" TERM; echo x > "$DIR/ready.tmp"; mv "$DIR/ready.tmp" "$DIR/ready"; exec sleep 30`, nil)
	if cmd == nil {
		cmd = script
	}
	cmd.Path, cmd.Args = script.Path, script.Args
	cmd.Env = append(os.Environ(), "DIR="+dir)
	ch, e := spawnTimed(t, c, cmd)
	ready := filepath.Join(dir, "ready")
	deadline := time.Now().Add(hangGuard)
	for {
		if _, err := os.Stat(ready); err == nil {
			return ch, e
		}
		require.True(t, time.Now().Before(deadline), "the child never set its trap")
		time.Sleep(2 * time.Millisecond)
	}
}

// A Grace given without Timeout or Context is the grace of a deadline set
// later: the TERM-ignoring child is killed that long after it, not
// DefaultGrace after.
func TestGraceForLaterDeadline(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	ch, e := spawnIgnoringTERM(t, c, &childproc.Cmd{Grace: 200 * time.Millisecond})
	start := time.Now()
	require.NoError(t, ch.SetDeadline(time.Now()))
	r := e.ended(t)
	assert.Equal(t, syscall.SIGKILL, r.st.Signal, "%v", r.st)
	assert.True(t, r.st.Forced, "SIGKILL after the grace")
	assert.ErrorIs(t, r.st.Cause, context.DeadlineExceeded)
	took := time.Since(start)
	assert.GreaterOrEqual(t, took, 200*time.Millisecond, "grace cut short")
	assert.Less(t, took, childproc.DefaultGrace, "Cmd.Grace was not used")
}

func TestStopOnDemand(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	ch, e := spawnIgnoringTERM(t, c, nil)
	require.NoError(t, ch.Stop(200*time.Millisecond))
	// A second Stop with a shorter grace brings the SIGKILL forward.
	require.NoError(t, ch.Stop(0))
	r := e.ended(t)
	assert.ErrorIs(t, r.st.Cause, childproc.ErrStopped)
	assert.Equal(t, syscall.SIGKILL, r.st.Signal)
	assert.True(t, r.st.Forced)
	assert.ErrorIs(t, ch.Stop(time.Second), os.ErrProcessDone)
	assert.ErrorIs(t, ch.SetDeadline(time.Now()), os.ErrProcessDone)
	assert.ErrorIs(t, ch.Stop(-1), os.ErrInvalid)
}

func TestStopWithoutDeadline(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	ch, e := spawnTimed(t, c, sleepCmd("30"))
	require.NoError(t, ch.Stop(time.Minute))
	r := e.ended(t)
	assert.ErrorIs(t, r.st.Cause, childproc.ErrStopped)
	assert.Equal(t, syscall.SIGTERM, r.st.Signal)
	assert.False(t, r.st.Forced)
}

func TestContextCancelStopsChild(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	ctx, cancel := context.WithCancelCause(context.Background())
	cmd := sleepCmd("30")
	cmd.Context = ctx
	why := errors.New("operator said so")
	_, e := spawnTimed(t, c, cmd)
	go func() {
		time.Sleep(50 * time.Millisecond)
		cancel(why)
	}()
	r := e.ended(t)
	assert.ErrorIs(t, r.st.Cause, why)
	assert.Equal(t, syscall.SIGTERM, r.st.Signal)
}

func TestContextDeadlineStopsChild(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	cmd := sleepCmd("30")
	cmd.Context = ctx
	_, e := spawnTimed(t, c, cmd)
	r := e.ended(t)
	assert.ErrorIs(t, r.st.Cause, context.DeadlineExceeded)
	assert.GreaterOrEqual(t, r.elapsed, 190*time.Millisecond, "the context had its deadline set just before Spawn")
}

// A parent cancelled after the child's exit changes nothing, and its
// AfterFunc is unhooked (context.AfterFunc's stop reports whether it ran).
func TestContextAfterExitIsUnhooked(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	ctx, cancel := context.WithCancel(context.Background())
	cmd := shell("exit 0", nil)
	cmd.Context = ctx
	ch, e := spawnTimed(t, c, cmd)
	r := e.ended(t)
	cancel()
	assert.True(t, r.st.Success())
	st, gone := ch.Status()
	require.True(t, gone)
	assert.NoError(t, st.Cause)
}

func TestDeadlineExtended(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	cmd := sleepCmd("30")
	cmd.Timeout = 100 * time.Millisecond
	ch, e := spawnTimed(t, c, cmd)
	require.NoError(t, ch.SetDeadline(time.Now().Add(time.Second)))
	r := e.ended(t)
	assert.ErrorIs(t, r.st.Cause, context.DeadlineExceeded)
	assert.GreaterOrEqual(t, r.elapsed, time.Second, "fired at the old deadline")
}

func TestDeadlineCancelled(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	cmd := sleepCmd("0.6")
	cmd.Timeout = 100 * time.Millisecond
	ch, e := spawnTimed(t, c, cmd)
	require.NoError(t, ch.SetDeadline(time.Time{}))
	r := e.ended(t)
	assert.NoError(t, r.st.Cause)
	assert.True(t, r.st.Success(), "status %v", r.st)
	assert.GreaterOrEqual(t, r.elapsed, 600*time.Millisecond)
}

// A deadline cancelled while its timeout is firing (the loop has taken
// the timeout and its callback waits for the parent's lock) does not stop
// the child: the stale callback is ignored (DESIGN §4.7).
func TestDeadlineCancelledWhileFiring(t *testing.T) {
	l := childproc.StartLoop(t)
	tc := &timeoutCounter{OSEvents: l, armed: make(map[hooks.Registration]*countedTarget)}
	c := newTreeCtx(t, tc, childproc.TreeNone)
	ch, e := spawnTimed(t, c, sleepCmd("30"))
	c.WithLock(func() {
		require.NoError(t, ch.SetDeadlineLocked(time.Now())) // due at once
		// The loop takes the timeout (it leaves the armed set) and its
		// callback then blocks on the lock this goroutine holds.
		require.True(t, settles(func() bool { return tc.count() == 0 }), "the loop never took the timeout")
		require.NoError(t, ch.SetDeadlineLocked(time.Time{}))
	})
	// Let the stale callback run before the kill (ordering, not timing:
	// if it ran later it would find the child gone and prove nothing).
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, ch.Kill())
	r := e.ended(t)
	assert.NoError(t, r.st.Cause, "a cancelled deadline stopped the child")
	assert.Equal(t, syscall.SIGKILL, r.st.Signal)
}

func TestSetDeadlineOnChildWithoutOne(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	ch, e := spawnTimed(t, c, sleepCmd("30"))
	require.NoError(t, ch.SetDeadline(time.Now().Add(100*time.Millisecond)))
	r := e.ended(t)
	assert.ErrorIs(t, r.st.Cause, context.DeadlineExceeded)
	assert.GreaterOrEqual(t, r.elapsed, 100*time.Millisecond)
}

func TestSetDeadlineDuringStop(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	ch, e := spawnIgnoringTERM(t, c, nil)
	require.NoError(t, ch.Stop(100*time.Millisecond))
	assert.ErrorIs(t, ch.SetDeadline(time.Time{}), childproc.ErrStopped)
	r := e.ended(t)
	assert.True(t, r.st.Forced)
}

func TestLifetimeBadInput(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		set  func(*childproc.Cmd)
		want error
	}{
		{"negative timeout", func(c *childproc.Cmd) { c.Timeout = -time.Second }, os.ErrInvalid},
		{"negative grace", func(c *childproc.Cmd) { c.Timeout, c.Grace = time.Second, -time.Second }, os.ErrInvalid},
		{"bad stop signal", func(c *childproc.Cmd) { c.StopSignal = -3 }, os.ErrInvalid},
		{"context past its deadline", func(c *childproc.Cmd) {
			ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
			defer cancel()
			c.Context = ctx
		}, context.DeadlineExceeded},
		{"context done", func(c *childproc.Cmd) { c.Context = done }, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			mark := filepath.Join(dir, "ran")
			cmd := shell("touch "+mark, func(*childproc.Child, childproc.Status) {})
			tc.set(cmd)
			ch, err := c.Spawn(cmd)
			assert.ErrorIs(t, err, tc.want)
			assert.Nil(t, ch)
			assert.Equal(t, 0, c.Len())
			time.Sleep(20 * time.Millisecond)
			assert.NoFileExists(t, mark, "a child was started")
		})
	}
}

// treePids returns the pids that a tree's processes wrote to the files
// names in dir, once all are written.
func treePids(t *testing.T, dir string, names ...string) []int {
	t.Helper()
	var pids []int
	deadline := time.Now().Add(hangGuard)
	for _, n := range names {
		for {
			b, err := os.ReadFile(filepath.Join(dir, n))
			if err == nil && strings.HasSuffix(string(b), "\n") {
				pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
				require.NoError(t, err)
				pids = append(pids, pid)
				break
			}
			require.True(t, time.Now().Before(deadline), "pid file %s never written", n)
			time.Sleep(5 * time.Millisecond)
		}
	}
	return pids
}

// aliveAfterKill reports whether pid still runs (not a zombie, not gone)
// a second after it was signalled: a killed process goes in milliseconds.
func aliveAfterKill(pid int) bool {
	deadline := time.Now().Add(time.Second)
	for {
		st, err := testutil.ReadProcStat(pid)
		if err != nil || !st.Alive() {
			return false
		}
		if time.Now().After(deadline) {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// treeScript starts a plain grandchild and one that leaves with setsid;
// each writes its pid once in place (after setsid), then becomes sleep.
const treeScript = `sh -c 'echo $$ > "$DIR/plain.tmp"; mv "$DIR/plain.tmp" "$DIR/plain"; exec sleep 30' &
setsid sh -c 'echo $$ > "$DIR/setsid.tmp"; mv "$DIR/setsid.tmp" "$DIR/setsid"; exec sleep 30' &
wait`

// TestTreeStopReach: how far a stop reaches, by Tree mode, for a plain
// grandchild and one that left with setsid. The process-group fallback
// misses the setsid'd one, as its docs say; the cgroup catches both; the
// default signals the child alone.
func TestTreeStopReach(t *testing.T) {
	for _, tc := range []struct {
		tree                    childproc.Tree
		plainLives, setsidLives bool
	}{
		{childproc.TreeNone, true, true},
		{childproc.TreeGroup, false, true},
		{childproc.TreeCgroup, false, false},
	} {
		t.Run(tc.tree.String(), func(t *testing.T) {
			l := childproc.StartLoop(t)
			var c *childproc.Parent
			if tc.tree == childproc.TreeCgroup {
				c = cgroupCtx(t, l)
			} else {
				c = newTreeCtx(t, l, tc.tree)
			}
			assert.Equal(t, tc.tree, c.Tree())
			dir := t.TempDir()
			cmd := shell(treeScript, nil)
			cmd.Env = append(os.Environ(), "DIR="+dir)
			ch, e := spawnTimed(t, c, cmd)
			pids := treePids(t, dir, "plain", "setsid")
			t.Cleanup(func() {
				for _, p := range pids {
					_ = syscall.Kill(p, syscall.SIGKILL)
				}
			})
			require.NoError(t, ch.Stop(2*time.Second))
			r := e.ended(t)
			assert.ErrorIs(t, r.st.Cause, childproc.ErrStopped)
			assert.Equal(t, tc.plainLives, aliveAfterKill(pids[0]), "plain grandchild alive after the stop")
			assert.Equal(t, tc.setsidLives, aliveAfterKill(pids[1]), "setsid'd grandchild alive after the stop")
			if tc.tree == childproc.TreeCgroup {
				assert.NotNil(t, r.st.TreeUsage, "no tree usage with a cgroup")
				eventuallyNoCells(t, c.CgroupDir())
			}
		})
	}
}

// A TreeGroup child's leftovers end with it, even when it exits on its own.
func TestTreeGroupEndsWithChild(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newTreeCtx(t, l, childproc.TreeGroup)
	dir := t.TempDir()
	cmd := shell(`sh -c 'echo $$ > "$DIR/p.tmp"; mv "$DIR/p.tmp" "$DIR/p"; exec sleep 30' & wait_for() { while [ ! -e "$DIR/p" ]; do sleep 0.01; done; }; wait_for; exit 0`, nil)
	cmd.Env = append(os.Environ(), "DIR="+dir)
	_, e := spawnTimed(t, c, cmd)
	r := e.ended(t)
	assert.True(t, r.st.Success())
	pids := treePids(t, dir, "p")
	assert.False(t, aliveAfterKill(pids[0]), "a TreeGroup child's leftover outlived it")
}

// timeoutCounter wraps a loop's hooks and counts armed timeouts.
type timeoutCounter struct {
	hooks.OSEvents
	mu    sync.Mutex
	armed map[hooks.Registration]*countedTarget
}

type countedTarget struct {
	tc  *timeoutCounter
	in  hooks.TimeoutTarget
	reg hooks.Registration
}

func (ct *countedTarget) TimeoutOccurred() error {
	ct.tc.mu.Lock()
	delete(ct.tc.armed, ct.reg)
	ct.tc.mu.Unlock()
	return ct.in.TimeoutOccurred()
}

func (tc *timeoutCounter) RegisterTimeout(d time.Time, t hooks.TimeoutTarget) (hooks.Registration, error) {
	ct := &countedTarget{tc: tc, in: t}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	reg, err := tc.OSEvents.RegisterTimeout(d, ct)
	if err == nil {
		ct.reg = reg
		tc.armed[reg] = ct
	}
	return reg, err
}

func (tc *timeoutCounter) ModifyTimeout(reg hooks.Registration, d time.Time) (hooks.Registration, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	nreg, err := tc.OSEvents.ModifyTimeout(reg, d)
	if err == nil {
		ct := tc.armed[reg]
		delete(tc.armed, reg)
		ct.reg = nreg
		tc.armed[nreg] = ct
	}
	return nreg, err
}

func (tc *timeoutCounter) DeregisterTimeout(reg hooks.Registration) {
	tc.mu.Lock()
	delete(tc.armed, reg)
	tc.mu.Unlock()
	tc.OSEvents.DeregisterTimeout(reg)
}

func (tc *timeoutCounter) count() int {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return len(tc.armed)
}

// TestManyDeadlines: 1000 children with deadlines, half of which expire,
// each in a cgroup of its own where the machine allows (else a process
// group).
func TestManyDeadlines(t *testing.T) {
	l := childproc.StartLoop(t)
	tc := &timeoutCounter{OSEvents: l, armed: make(map[hooks.Registration]*countedTarget)}
	c := newTreeCtx(t, tc, childproc.TreeAuto)
	t.Logf("tree: %v", c.Tree())
	const n = 1000
	rec := newRecorder()
	stopped := make(map[int]bool)
	for i := 0; i < n; i++ {
		var cmd *childproc.Cmd
		if i%2 == 0 {
			cmd = sleepCmd("30")
			cmd.Timeout = 300 * time.Millisecond
		} else {
			cmd = &childproc.Cmd{Path: "/bin/true", Args: []string{"true"}}
			cmd.Timeout = time.Minute
		}
		cmd.OnExit = rec.onExit(c)
		ch, err := c.Spawn(cmd)
		require.NoError(t, err)
		stopped[ch.Pid()] = i%2 == 0
	}
	rec.wait(t, n)
	for pid, rs := range rec.All() {
		require.Len(t, rs, 1)
		st := rs[0].st
		if stopped[pid] {
			assert.ErrorIs(t, st.Cause, context.DeadlineExceeded, "pid %d: %v", pid, st)
			assert.Equal(t, syscall.SIGTERM, st.Signal, "pid %d", pid)
		} else {
			assert.NoError(t, st.Cause, "pid %d", pid)
			assert.True(t, st.Success(), "pid %d: %v", pid, st)
		}
	}
	if c.Tree() == childproc.TreeCgroup {
		// A cell still holding killed processes is removed from a
		// timeout: wait for those before counting timeouts.
		eventuallyNoCells(t, c.CgroupDir())
	}
	assert.Equal(t, 0, tc.count(), "timeouts left registered")
	assert.Equal(t, 0, c.Len())
	assert.NoError(t, testutil.NoChildren())
}

// A stop bounds the output drain even when the Cmd asked for none: a
// grandchild holding the pipe (it survives: TreeNone) cannot hold OnDone.
func TestStopAppliesDrainDeadline(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newTreeCtx(t, l, childproc.TreeNone)
	dir := t.TempDir()
	d := newRecorder()
	cmd := shellIO(`sh -c 'echo $$ > "$DIR/p.tmp"; mv "$DIR/p.tmp" "$DIR/p"; exec sleep 30' & wait`, d)
	cmd.Env = append(os.Environ(), "DIR="+dir)
	cmd.Stdout = &childproc.Output{Limit: 1 << 10}
	cmd.DrainTimeout = -1 // wait for EOF however long, unless stopped
	start := time.Now()
	ch, err := c.Spawn(cmd)
	require.NoError(t, err)
	pids := treePids(t, dir, "p")
	t.Cleanup(func() { _ = syscall.Kill(pids[0], syscall.SIGKILL) })
	require.NoError(t, ch.Stop(time.Second))
	r := d.result(t)
	assert.ErrorIs(t, r.Status.Cause, childproc.ErrStopped)
	assert.True(t, r.Cut, "the pipe should have been cut at the drain deadline")
	assert.GreaterOrEqual(t, time.Since(start), childproc.DefaultDrainTimeout)
	assert.True(t, aliveAfterKill(pids[0]), "the grandchild was meant to hold the pipe")
}
