//go:build linux

package childproc_test

import (
	"github.com/childloop/childloop/internal/sigchld"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/loop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestCallbacksOnLoopGoroutine guards the invariant that callbacks (exit, output
// chunks, done) run on
// the goroutine that drives the loop, never on the signal path (the relay
// goroutine, the raw handler) or a spawning goroutine.
func TestCallbacksOnLoopGoroutine(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l, err := loop.New()
		require.NoError(t, err)
		defer l.Close()
		c, err := childproc.NewWithStrategy(l, childHooks(childproc.ModeOwn), v.strategy)
		require.NoError(t, err)
		defer c.Close()
		me := testutil.GoID()
		const n = 20
		got, wrong := 0, 0
		check := func() {
			if testutil.GoID() != me {
				wrong++
			}
		}
		// Every kind of callback: the exit, each output chunk, done.
		cmd := func() *childproc.Cmd {
			cmd := shell("echo x; exit 0", func(*childproc.Child, childproc.Status) { check() })
			cmd.Stdout = childproc.OnData(func([]byte) { check() })
			cmd.OnDone = func(*childproc.Child, *childproc.Result) { check(); got++ }
			return cmd
		}
		// Spawn from another goroutine, drive the loop from this one.
		spawned := make(chan error, 1)
		go func() {
			for i := 0; i < n; i++ {
				if _, err := c.Spawn(cmd()); err != nil {
					spawned <- err
					return
				}
			}
			spawned <- nil
		}()
		require.NoError(t, <-spawned)
		var expired atomic.Bool
		guard := time.AfterFunc(hangGuard, func() { expired.Store(true); l.Wake() })
		defer guard.Stop()
		for got < n {
			require.False(t, expired.Load(), "only %d of %d callbacks after %v", got, n, hangGuard)
			require.NoError(t, l.RunOnce(true))
		}
		assert.Zero(t, wrong, "callbacks of %d that ran off the loop goroutine", n)
	})
}

// TestSpawnReplacement: Config.Spawn replaces fork+exec for every
// child, a replacement may delegate to childproc.ForkExec, and one that
// ignores the pidfd request still gets its children watched (the pidfd
// strategy opens one with pidfd_open).
func TestSpawnReplacement(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := childproc.StartLoop(t)
		var calls atomic.Int32
		spawn := func(argv0 string, argv []string, attr *syscall.ProcAttr) (int, error) {
			calls.Add(1)
			a := *attr
			a.Sys = nil // drop SysProcAttr.PidFD on purpose
			return childproc.ForkExec(argv0, argv, &a)
		}
		c, err := childproc.NewWithStrategy(l, childproc.Config{Spawn: spawn}, v.strategy)
		require.NoError(t, err)
		defer c.Close()
		rec := newRecorder()
		want := map[int]int{}
		for i := 0; i < 10; i++ {
			ch, err := c.Spawn(shell("exit "+strconv.Itoa(20+i), rec.onExit(c)))
			require.NoError(t, err)
			want[ch.Pid()] = 20 + i
		}
		rec.wait(t, len(want))
		assert.Equal(t, int32(len(want)), calls.Load(), "replacement calls for %d spawns", len(want))
		for pid, code := range want {
			if got := rec.Of(pid); assert.Len(t, got, 1, "pid %d: callbacks", pid) {
				assert.Equal(t, code, got[0].st.Code, "pid %d: %v", pid, got[0].st)
			}
		}
		failing := func(string, []string, *syscall.ProcAttr) (int, error) { return 0, syscall.EAGAIN }
		f, err := childproc.NewWithStrategy(l, childproc.Config{Spawn: failing}, v.strategy)
		require.NoError(t, err)
		defer f.Close()
		_, err = f.Spawn(shell("exit 0", rec.onExit(f)))
		assert.ErrorIs(t, err, syscall.EAGAIN, "failing replacement: Spawn")
		assert.Zero(t, f.Len(), "children left by the failed spawn")
	})
}

// TestCheckSignalSource: with the raw handler installed, CheckSignalSource
// is quiet until something replaces SIGCHLD's action behind the library's
// back (here a raw rt_sigaction to SIG_DFL, put back afterwards).
func TestCheckSignalSource(t *testing.T) {
	if err := knob.SetSource(knob.SourceRaw); err != nil {
		t.Skip("no raw source on this platform:", err)
	}
	defer knob.SetSource(knob.SourceAuto)
	l := childproc.StartLoop(t)
	newParent(t, l, parentOf{Mode: childproc.ModeKeep, Strategy: knob.StrategyScan})
	require.Equal(t, knob.SourceRaw, sigchld.Installed(), "CurrentSignalSource")
	require.NoError(t, childproc.CheckSignalSource(), "freshly installed")
	var dfl, saved [4]uint64 // kernel struct sigaction, all-zero = SIG_DFL
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD),
		uintptr(unsafe.Pointer(&dfl)), uintptr(unsafe.Pointer(&saved)), 8, 0, 0)
	require.Zero(t, e, "rt_sigaction: %v", e)
	err := childproc.CheckSignalSource()
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), uintptr(unsafe.Pointer(&saved)), 0, 8, 0, 0)
	assert.Error(t, err, "CheckSignalSource did not notice SIGCHLD reset to SIG_DFL")
	assert.NoError(t, childproc.CheckSignalSource(), "after restoring")
}
