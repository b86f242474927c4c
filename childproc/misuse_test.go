//go:build linux

package childproc_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBadInput(t *testing.T) {
	l := childproc.StartLoop(t)
	for _, s := range []knob.Strategy{knob.StrategyScan, knob.StrategyAuto} {
		c := newParent(t, l, parentOf{Strategy: s})
		nop := func(*childproc.Child, childproc.Status) {}

		_, err := c.Spawn(&childproc.Cmd{OnExit: nop})
		assert.ErrorIs(t, err, os.ErrInvalid, "empty argv")
		_, err = c.Spawn(&childproc.Cmd{Args: []string{"/nonexistent/binary"}, OnExit: nop})
		assert.ErrorIs(t, err, os.ErrNotExist, "missing executable")
		_, err = c.Spawn(&childproc.Cmd{Args: []string{"no-such-command-childloop"}, OnExit: nop})
		assert.ErrorIs(t, err, exec.ErrNotFound, "missing command in PATH")
		_, err = c.Spawn(&childproc.Cmd{Args: []string{"/etc/passwd"}, OnExit: nop})
		assert.ErrorIs(t, err, os.ErrPermission, "non-executable")
		assert.Zero(t, c.Len(), "phantom children left by failed spawns")
		assert.Zero(t, childproc.PipeUsers(), "SIGCHLD users left by failed spawns")
		assert.Panics(t, func() { c.Spawn(&childproc.Cmd{Args: []string{"/bin/true"}}) }, "nil OnExit did not panic")
		_, err = c.Adopt(os.Getppid(), nop)
		assert.ErrorIs(t, err, childproc.ErrUnknownChild, "Adopt of a process that is not our child")
		assert.ErrorIs(t, c.SigchldOccurred(), os.ErrInvalid, "SigchldOccurred without AppSigchld")
		assert.ErrorIs(t, c.Reaped(1, 0), os.ErrInvalid, "Reaped without AppSigchld")
		c.Close()
		assert.NoError(t, c.Close(), "second Close")
		_, err = c.Spawn(&childproc.Cmd{Args: []string{"/bin/true"}, OnExit: nop})
		assert.ErrorIs(t, err, fs.ErrClosed, "Spawn after Close")
		_, err = c.Adopt(os.Getppid(), nop)
		assert.ErrorIs(t, err, fs.ErrClosed, "Adopt after Close")
	}
	foreign := func(int, childproc.Status) {}
	for name, cfg := range map[string]childproc.Config{
		"ReapAll without OnForeignExit": {Mode: childproc.ModeReapAll},
		"OnForeignExit without ReapAll": {OnForeignExit: foreign},
		"OnForeignExit with ModeApp":    {Mode: childproc.ModeApp, OnForeignExit: foreign},
		"an unknown Mode":               {Mode: childproc.ModeApp + 1},
	} {
		_, err := childproc.New(l, cfg)
		assert.ErrorIs(t, err, os.ErrInvalid, "%s: New", name)
	}
	_, err := childproc.NewWithStrategy(l, childproc.Config{}, 99)
	assert.ErrorIs(t, err, os.ErrInvalid, "bad strategy")
	m := newParent(t, l, parentOf{Mode: childproc.ModeApp, Strategy: knob.StrategyScan})
	m.Close()
	assert.ErrorIs(t, m.SigchldOccurred(), fs.ErrClosed, "SigchldOccurred after Close")
	assert.ErrorIs(t, m.Reaped(1, 0), fs.ErrClosed, "Reaped after Close")
}

// failingHooks refuses every fd registration.
type failingHooks struct{ hooks.OSEvents }

var errRefused = errors.New("refused by the application")

func (failingHooks) RegisterFD(int, hooks.Events, hooks.FDTarget) (hooks.Registration, error) {
	return nil, errRefused
}

// TestHookFailure: when the application refuses to register the self-pipe,
// Spawn fails cleanly and no child is started.
func TestHookFailure(t *testing.T) {
	l := childproc.StartLoop(t)
	fds0 := openFDs(t)
	c, err := childproc.NewWithStrategy(failingHooks{l}, childproc.Config{}, knob.StrategyScan)
	require.NoError(t, err)
	_, err = c.Spawn(shell("exit 0", func(*childproc.Child, childproc.Status) { assert.Fail(t, "callback for a child never started") }))
	assert.ErrorIs(t, err, errRefused, "Spawn: want the hook's error")
	assert.Zero(t, c.Len(), "state left behind: children")
	assert.Zero(t, childproc.PipeUsers(), "state left behind: pipes")
	assert.NoError(t, testutil.NoChildren())
	assert.Equal(t, fds0, openFDs(t), "fds")
	c.Close()
	if pidfdOK() {
		_, err := childproc.NewWithStrategy(failingHooks{l}, childproc.Config{}, knob.StrategyPidfd)
		assert.ErrorIs(t, err, errRefused, "New with pidfd strategy on refusing hooks")
		assert.Equal(t, fds0, openFDs(t), "fds after failed New")
	}
}

// TestCloseWithRunningChildren: Close kills and reaps what is still
// running; no callback runs, no zombie and no fd stay behind.
func TestCloseWithRunningChildren(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := childproc.StartLoop(t)
		fds0 := openFDs(t)
		c, err := childproc.NewWithStrategy(l, childproc.Config{}, v.strategy)
		require.NoError(t, err)
		var kids []*childproc.Child
		for i := 0; i < 20; i++ {
			ch, err := c.Spawn(&childproc.Cmd{Args: []string{"/bin/sleep", "3600"},
				OnExit: func(*childproc.Child, childproc.Status) { assert.Fail(t, "callback after Close") }})
			require.NoError(t, err)
			kids = append(kids, ch)
		}
		start := time.Now()
		require.NoError(t, c.Close())
		t.Logf("Close with 20 running children took %v", time.Since(start))
		for _, ch := range kids {
			if st, done := ch.Status(); assert.True(t, done, "%v: not done, want killed", ch) {
				assert.Equal(t, syscall.SIGKILL, st.Signal, "%v: %v, want killed", ch, st)
			}
		}
		assert.NoError(t, testutil.NoZombies())
		assert.NoError(t, testutil.NoChildren())
		assert.Equal(t, fds0, openFDs(t), "fds after Close")
	})
}

// TestAppSigchldWithoutHooks: a ModeApp parent may be created without
// hooks (for loops that cannot watch arbitrary fds); other modes panic.
func TestAppSigchldWithoutHooks(t *testing.T) {
	c, err := childproc.New(nil, childproc.Config{Mode: childproc.ModeApp})
	require.NoError(t, err)
	defer c.Close()
	rec := newRecorder()
	ch, err := c.Spawn(shell("exit 4", rec.onExit(c)))
	require.NoError(t, err)
	st, err := testutil.Reap(ch.Pid())
	require.NoError(t, err)
	require.NoError(t, c.Reaped(ch.Pid(), st))
	if got := rec.Of(ch.Pid()); assert.Len(t, got, 1, "callbacks") {
		assert.Equal(t, 4, got[0].st.Code, "exit code: %v", got[0].st)
	}
	if pidfdOK() {
		// The pidfd set needs no loop when the application says when to
		// look: SigchldOccurred polls it.
		p, err := childproc.NewWithStrategy(nil, childproc.Config{Mode: childproc.ModeApp}, knob.StrategyPidfd)
		require.NoError(t, err)
		defer p.Close()
		ch, err := p.Spawn(shell("exit 5", rec.onExit(p)))
		require.NoError(t, err)
		require.NoError(t, testutil.WaitExited(ch.Pid()))
		require.NoError(t, p.SigchldOccurred())
		if got := rec.Of(ch.Pid()); assert.Len(t, got, 1, "pidfd set without a loop: callbacks") {
			assert.Equal(t, 5, got[0].st.Code, "pidfd set without a loop: exit code: %v", got[0].st)
		}
	}
	assert.Panics(t, func() { childproc.New(nil, childproc.Config{}) }, "nil hooks with the default Config did not panic")
}
