//go:build linux

package childproc_test

import (
	"syscall"
	"testing"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppSigchldAdoptExited: a ModeApp parent learns of exits only when
// told. A child that exited before Adopt, its SIGCHLD already answered,
// must still be reported: Adopt makes the pass itself.
func TestAppSigchldAdoptExited(t *testing.T) {
	c, err := childproc.New(nil, childproc.Config{Mode: childproc.ModeApp})
	require.NoError(t, err)
	defer c.Close()
	pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", "exit 7"}, &syscall.ProcAttr{})
	require.NoError(t, err)
	require.NoError(t, testutil.WaitExited(pid))
	require.NoError(t, c.SigchldOccurred()) // the application's answer to that SIGCHLD
	var got []childproc.Status
	_, err = c.Adopt(pid, func(_ *childproc.Child, st childproc.Status) { got = append(got, st) })
	require.NoError(t, err)
	if assert.Len(t, got, 1, "callbacks by the time Adopt returned") {
		assert.Equal(t, 7, got[0].Code, "callback by the time Adopt returned: %+v, want exit 7", got[0])
	}
	assert.Zero(t, c.Len(), "Len after the adopted child was reported")
	assert.NoError(t, testutil.NoZombies())
}

// TestAdoptUnwatchableLeavesChildAlone: when the parent cannot watch an
// adopted process (pidfd_open fails for lack of fds), Adopt fails and the
// process — the caller's — is neither killed nor reaped.
func TestAdoptUnwatchableLeavesChildAlone(t *testing.T) {
	if !pidfdOK() {
		t.Skip("no pidfds")
	}
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{Strategy: knob.StrategyPidfd})
	pid, err := syscall.ForkExec("/bin/sleep", []string{"sleep", "60"}, &syscall.ProcAttr{Env: []string{}})
	require.NoError(t, err)
	defer func() {
		syscall.Kill(pid, syscall.SIGKILL)
		_, _ = testutil.Reap(pid)
	}()
	var lim, saved syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &saved))
	lim = saved
	lim.Cur = 3 // below what is open: every new fd fails with EMFILE
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim))
	_, adoptErr := c.Adopt(pid, func(*childproc.Child, childproc.Status) { assert.Fail(t, "callback for a child Adopt refused") })
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &saved))
	require.ErrorIs(t, adoptErr, syscall.EMFILE, "Adopt with no fd left")
	assert.NoError(t, syscall.Kill(pid, 0), "adopted process after the failed Adopt: kill(0), want it alive")
	var ws syscall.WaitStatus
	wpid, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	if assert.NoError(t, err, "wait4(%d, WNOHANG)", pid) {
		assert.Zero(t, wpid, "wait4(%d, WNOHANG): want it still running and ours to reap", pid)
	}
	assert.Zero(t, c.Len(), "Len after the failed Adopt")
}

// TestStatusLostKeepsErrno: a child reaped behind the parent's back is
// reported with ErrStatusLost, and the errno stays inspectable.
func TestStatusLostKeepsErrno(t *testing.T) {
	c, err := childproc.New(nil, childproc.Config{Mode: childproc.ModeApp})
	require.NoError(t, err)
	defer c.Close()
	var got []childproc.Status
	ch, err := c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, OnExit: func(_ *childproc.Child, st childproc.Status) { got = append(got, st) }})
	require.NoError(t, err)
	require.NoError(t, testutil.WaitExited(ch.Pid()))
	_, err = testutil.Reap(ch.Pid()) // the theft
	require.NoError(t, err)
	require.NoError(t, c.SigchldOccurred())
	if assert.Len(t, got, 1, "callbacks: want one whose Err is ErrStatusLost and ECHILD") {
		assert.ErrorIs(t, got[0].Err, childproc.ErrStatusLost, "callback's Err")
		assert.ErrorIs(t, got[0].Err, syscall.ECHILD, "callback's Err")
	}
}
