//go:build linux

package childproc_test

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/knob"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestAppSigchldSigchldOccurred: the application catches SIGCHLD with its own
// signal.Notify and tells the parent; the library installs nothing.
func TestAppSigchldSigchldOccurred(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{Mode: childproc.ModeApp, Strategy: knob.StrategyAuto})
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGCHLD)
	defer signal.Stop(sigs)

	rec := newRecorder()
	want := map[int]int{}
	for i := 0; i < 50; i++ {
		ch, err := c.Spawn(shell(fmt.Sprintf("exit %d", i), rec.onExit(c)))
		require.NoError(t, err)
		want[ch.Pid()] = i
	}
	assert.Zero(t, childproc.PipeUsers(), "SIGCHLD self-pipes the ModeApp parent registered")
	deadline := time.After(hangGuard)
	for rec.Count() < len(want) {
		select {
		case <-sigs:
			require.NoError(t, c.SigchldOccurred())
		case <-deadline:
			require.Failf(t, "exits missing", "%d of %d exits seen within %v", rec.Count(), len(want), hangGuard)
		}
	}
	for pid, code := range want {
		if got := rec.Of(pid); assert.Len(t, got, 1, "pid %d: callbacks", pid) {
			assert.Equal(t, code, got[0].st.Code, "pid %d: %v", pid, got[0].st)
		}
	}
}

// TestAppSigchldReaped: the application reaps everything with wait4(-1) and
// offers each status to the parent; pids that are not the parent's are
// refused with ErrUnknownChild and change nothing.
func TestAppSigchldReaped(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{Mode: childproc.ModeApp, Strategy: knob.StrategyScan})
	rec := newRecorder()
	want := map[int]int{}
	for i := 0; i < 20; i++ {
		ch, err := c.Spawn(shell(fmt.Sprintf("exit %d", 100+i), rec.onExit(c)))
		require.NoError(t, err)
		want[ch.Pid()] = 100 + i
	}
	foreign := map[int]bool{}
	for i := 0; i < 5; i++ {
		pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", "exit 3"}, nil)
		require.NoError(t, err)
		foreign[pid] = true
	}
	unknown := 0
	for reaped := 0; reaped < len(want)+len(foreign); reaped++ {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		require.NoError(t, err)
		err = c.Reaped(pid, syscall.WaitStatus(ws))
		if foreign[pid] {
			assert.ErrorIs(t, err, childproc.ErrUnknownChild, "foreign pid %d: Reaped", pid)
			unknown++
		} else {
			assert.NoError(t, err, "own pid %d: Reaped", pid)
		}
	}
	assert.Equal(t, len(foreign), unknown, "foreign pids refused")
	require.Equal(t, len(want), rec.Count(), "callbacks (Reaped runs them synchronously)")
	for pid, code := range want {
		if got := rec.Of(pid); assert.Len(t, got, 1, "pid %d: callbacks", pid) {
			assert.Equal(t, code, got[0].st.Code, "pid %d: %v", pid, got[0].st)
		}
	}
	assert.ErrorIs(t, c.Reaped(999999, 0), childproc.ErrUnknownChild, "Reaped(unknown)")
	assert.Zero(t, c.Len(), "children left")
}

// TestReapAllForeign: a ModeReapAll parent reaps children it did not spawn and
// reports them through OnForeignExit; its own children go to their callbacks.
func TestReapAllForeign(t *testing.T) {
	forSignalVariants(t, func(t *testing.T, v variant) { // ModeReapAll ignores the strategy
		l := childproc.StartLoop(t)
		var mu sync.Mutex
		foreignGot := map[int]childproc.Status{}
		fdone := make(chan struct{}, 100)
		c := newParent(t, l, parentOf{Mode: childproc.ModeReapAll, Strategy: knob.StrategyAuto, Foreign: func(pid int, st childproc.Status) {
			mu.Lock()
			foreignGot[pid] = st
			mu.Unlock()
			fdone <- struct{}{}
		}})
		require.Equal(t, "any", c.StrategyInUse(), "ReapAll's strategy")
		rec := newRecorder()
		own, err := c.Spawn(shell("exit 9", rec.onExit(c)))
		require.NoError(t, err)
		foreign := map[int]int{}
		for i := 0; i < 10; i++ {
			pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", fmt.Sprintf("exit %d", 40+i)}, nil)
			require.NoError(t, err)
			foreign[pid] = 40 + i
		}
		rec.wait(t, 1)
		for range foreign {
			select {
			case <-fdone:
			case <-time.After(hangGuard):
				require.Fail(t, "foreign exits not reported")
			}
		}
		if got := rec.Of(own.Pid()); assert.Len(t, got, 1, "own child: callbacks") {
			assert.Equal(t, 9, got[0].st.Code, "own child: %v", got[0].st)
		}
		mu.Lock()
		defer mu.Unlock()
		for pid, code := range foreign {
			if st, ok := foreignGot[pid]; assert.True(t, ok, "foreign %d not reported, want exit %d", pid, code) {
				assert.Equal(t, code, st.Code, "foreign %d: %v", pid, st)
			}
		}
	})
}

// TestSecondReapAll: only one ModeReapAll parent at a time.
func TestSecondReapAll(t *testing.T) {
	l := childproc.StartLoop(t)
	f := func(int, childproc.Status) {}
	c1, err := childproc.New(l, childproc.Config{Mode: childproc.ModeReapAll, OnForeignExit: f})
	require.NoError(t, err)
	_, err = childproc.New(l, childproc.Config{Mode: childproc.ModeReapAll, OnForeignExit: f})
	assert.ErrorIs(t, err, childproc.ErrReapAllInUse, "second ReapAll")
	c1.Close()
	c2, err := childproc.New(l, childproc.Config{Mode: childproc.ModeReapAll, OnForeignExit: f})
	require.NoError(t, err, "ReapAll after Close of the first")
	c2.Close()
}

// TestIsolation: two contexts' children are never reported to each other,
// whatever mix of modes, even when one parent's wake-up sees the other's
// exits.
func TestIsolation(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := childproc.StartLoop(t)
		a := newParent(t, l, parentOf{Strategy: v.strategy})
		b := newParent(t, l, parentOf{Mode: childproc.ModeKeep, Strategy: v.strategy})
		rec := newRecorder()
		owner := map[int]*childproc.Parent{}
		for i := 0; i < 100; i++ {
			c := a
			if i%2 == 1 {
				c = b
			}
			ch, err := c.Spawn(shell("exit 0", rec.onExit(c)))
			require.NoError(t, err)
			owner[ch.Pid()] = c
		}
		rec.wait(t, 100)
		for pid, c := range owner {
			// == rather than assert.Same, which would print the parents'
			// internals, read unlocked while the loop runs.
			if got := rec.Of(pid); assert.Len(t, got, 1, "pid %d: callbacks", pid) {
				assert.True(t, got[0].ctx == c, "pid %d misreported: %v", pid, got)
			}
		}
	})
}
