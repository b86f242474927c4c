//go:build linux

package childproc_test

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/testutil"
)

// startCmd is a StartWatched start function for an exec.Cmd.
func startCmd(cmd *exec.Cmd) func(*syscall.SysProcAttr) (*os.Process, error) {
	return func(sys *syscall.SysProcAttr) (*os.Process, error) {
		cmd.SysProcAttr = sys
		err := cmd.Start()
		return cmd.Process, err
	}
}

// StartWatched borrows the process's own pidfd: n watched exec.Cmds hold
// n fds beyond the baseline (Watch, which duplicates, holds 2n), every
// status reaches OnExit and then the owner's Wait, and every fd is back
// once the owners have waited.
func TestStartWatchedBorrows(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{Strategy: knob.StrategyPidfd})
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	const n = 50
	// The first start brings up what the parent keeps (its pidfd set);
	// count from after it.
	first := exec.Command("true")
	rec := newRecorder()
	onExit := rec.onExit(c)
	_, err = c.StartWatched(&childproc.WatchSpec{OnExit: onExit}, startCmd(first))
	require.NoError(t, err)
	rec.wait(t, 1)
	require.NoError(t, first.Wait())
	base := openFDs(t)

	cmds := make([]*exec.Cmd, n)
	for i := range cmds {
		cmds[i] = exec.Command("sh", "-c", "read x; exit 3")
		cmds[i].Stdin = pr
		_, err := c.StartWatched(&childproc.WatchSpec{OnExit: onExit}, startCmd(cmds[i]))
		require.NoError(t, err)
	}
	assert.Len(t, openFDs(t), len(base)+n, "one fd per watched process")
	base = slices.DeleteFunc(base, func(fd int) bool { return fd == int(pw.Fd()) })
	pw.Close()
	for _, cmd := range cmds {
		st := rec.of(t, cmd.Process.Pid).st
		assert.Equal(t, 3, st.Code, "%v", st)
	}
	for _, cmd := range cmds {
		var ee *exec.ExitError
		require.ErrorAs(t, cmd.Wait(), &ee)
		assert.Equal(t, 3, ee.ExitCode())
	}
	assert.Zero(t, c.Len())
	assert.NoError(t, testutil.NoChildren())
	assertFDsBack(t, base, "the owners' Waits close the pidfds the context borrowed")
}

// The parent's tree mode reaches the started process through a copy of
// the SysProcAttr; the caller's is not written.
func TestStartWatchedTreeGroup(t *testing.T) {
	l := childproc.StartLoop(t)
	c, err := childproc.NewWithStrategy(l, childproc.Config{Tree: childproc.TreeGroup}, knob.StrategyPidfd)
	require.NoError(t, err)
	defer c.Close()
	mine := &syscall.SysProcAttr{}
	cmd := exec.Command("sleep", "30")
	rec := newRecorder()
	ch, err := c.StartWatched(&childproc.WatchSpec{SysProcAttr: mine, Timeout: time.Millisecond,
		OnExit: rec.onExit(c)}, startCmd(cmd))
	require.NoError(t, err)
	assert.False(t, mine.Setpgid, "the caller's SysProcAttr was written")
	assert.True(t, cmd.SysProcAttr.Setpgid)
	pgid, err := syscall.Getpgid(ch.Pid())
	if err == nil {
		assert.Equal(t, ch.Pid(), pgid, "the child leads a group of its own")
	}
	st := rec.ended(t).st
	assert.Equal(t, syscall.SIGTERM, st.Signal, "the Timeout stopped it: %v", st)
	err = cmd.Wait()
	assert.Equal(t, syscall.SIGTERM, cmd.ProcessState.Sys().(syscall.WaitStatus).Signal(), "Wait: %v", err)
}

func TestStartWatchedRefusals(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{Strategy: knob.StrategyPidfd})
	onExit := func(*childproc.Child, childproc.Status) {}
	assert.Panics(t, func() { _, _ = c.StartWatched(&childproc.WatchSpec{}, startCmd(exec.Command("true"))) })

	// start's own error comes back as it is, and nothing is recorded.
	errStart := errors.New("start failed")
	_, err := c.StartWatched(&childproc.WatchSpec{OnExit: onExit}, func(*syscall.SysProcAttr) (*os.Process, error) {
		return nil, errStart
	})
	assert.Same(t, errStart, err)
	assert.Zero(t, c.Len())

	// Where the parent cannot watch, start is not called.
	called := false
	refuse := func(*syscall.SysProcAttr) (*os.Process, error) { called = true; return nil, errStart }
	scan := newParent(t, l, parentOf{Strategy: knob.StrategyScan})
	_, err = scan.StartWatched(&childproc.WatchSpec{OnExit: onExit}, refuse)
	assert.ErrorIs(t, err, errors.ErrUnsupported)
	reapAll := newParent(t, l, parentOf{Mode: childproc.ModeReapAll, Foreign: func(int, childproc.Status) {}})
	_, err = reapAll.StartWatched(&childproc.WatchSpec{OnExit: onExit}, refuse)
	assert.ErrorIs(t, err, os.ErrInvalid)
	_, err = c.StartWatched(&childproc.WatchSpec{OnExit: onExit, Timeout: -1}, refuse)
	assert.ErrorIs(t, err, os.ErrInvalid)
	assert.False(t, called)
}
