package exec_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/exec"
	"github.com/childloop/childloop/loop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// exitSignal is the signal that ended the child, from Wait's error.
func exitSignal(t *testing.T, err error) syscall.Signal {
	t.Helper()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	ws := ee.Sys().(syscall.WaitStatus)
	require.True(t, ws.Signaled(), "%v", err)
	return ws.Signal()
}

// Timeout sends SIGTERM; a child that ignores it gets SIGKILL Grace later.
func TestTimeoutGrace(t *testing.T) {
	c := exec.Command("sh", "-c", "echo started; exec sleep 30")
	c.Timeout = ms(100)
	out, err := c.Output()
	assert.Equal(t, syscall.SIGTERM, exitSignal(t, err))
	assert.Equal(t, "started\n", string(out))
	assert.ErrorIs(t, c.Cause(), context.DeadlineExceeded)

	c = exec.Command("sh", "-c", `trap "" TERM; sleep 30`)
	c.Timeout, c.Grace = ms(100), ms(200)
	start := time.Now()
	err = c.Run()
	assert.Equal(t, syscall.SIGKILL, exitSignal(t, err), "SIGTERM was ignored: only the grace's SIGKILL ends it")
	assert.ErrorIs(t, c.Cause(), context.DeadlineExceeded)
	t.Logf("ended after %v (Timeout %v + Grace %v)", time.Since(start), c.Timeout, c.Grace)

	c = exec.Command("true")
	c.Timeout = -1
	assert.ErrorIs(t, c.Run(), os.ErrInvalid)
	assert.Nil(t, c.Process)
}

// Grace makes CommandContext's default Cancel gentle: SIGTERM first.
func TestCancelGrace(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := exec.CommandContext(ctx, "sh", "-c", `trap "exit 7" TERM; echo ready; while :; do sleep 0.01; done`)
	c.Grace = 10 * time.Second
	out, err := c.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, c.Start())
	b := make([]byte, 6)
	_, err = out.Read(b)
	require.NoError(t, err)
	cancel()
	err = c.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 7, ee.ExitCode(), "the TERM trap ran")
	assert.ErrorIs(t, c.Cause(), childproc.ErrStopped)
}

// alive reports whether pid is a live process (not gone, not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}

// gone waits a little for pid to die (a SIGKILL takes a moment).
func gone(pid int) bool {
	for deadline := time.Now().Add(5 * time.Second * timeScale); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if !alive(pid) {
			return true
		}
	}
	return false
}

// grandchild runs a shell that starts a setsid'd sleep (out of its process
// group), prints its pid and runs until stopped; it returns that pid.
func grandchild(t *testing.T, c *exec.Cmd) int {
	t.Helper()
	out, err := c.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, c.Start())
	b := make([]byte, 32)
	n, err := out.Read(b)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	require.NoError(t, err, "%q", b[:n])
	t.Cleanup(func() { _ = unix.Kill(pid, unix.SIGKILL) })
	require.True(t, alive(pid))
	return pid
}

// needCgroup skips the test where the package's KillTree context fell back
// to process groups (no writable cgroup v2 here), which a setsid'd
// grandchild escapes by design; any other tree is a failure.
func needCgroup(t *testing.T) {
	t.Helper()
	switch tree := exec.SharedTree(); tree {
	case childproc.TreeCgroup:
	case childproc.TreeGroup:
		t.Skip("no cgroup for the child here: a setsid'd grandchild escapes a process group")
	default:
		t.Fatalf("a KillTree child started with tree %v", tree)
	}
}

const setsidScript = `setsid sleep 30 >/dev/null 2>&1 & echo $!; exec sleep 30`

// KillTree: a cancelled parent ends the child's whole tree, a setsid'd
// grandchild included (a cgroup's kill reaches it, a process group's
// would not).
func TestKillTreeCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := exec.CommandContext(ctx, "sh", "-c", setsidScript)
	c.KillTree = true
	pid := grandchild(t, c)
	needCgroup(t)
	cancel()
	assert.Equal(t, syscall.SIGKILL, exitSignal(t, c.Wait()))
	assert.True(t, gone(pid), "the setsid'd grandchild %d survived", pid)

	// The control: without KillTree it survives, as with os/exec.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	c = exec.CommandContext(ctx, "sh", "-c", setsidScript)
	pid = grandchild(t, c)
	cancel()
	assert.Equal(t, syscall.SIGKILL, exitSignal(t, c.Wait()))
	assert.True(t, alive(pid), "without KillTree the grandchild lives on")
}

// KillTree with Timeout stops the tree, and a tree whose child exits on
// its own loses what it left behind; TreeUsage covers the whole tree.
func TestKillTreeTimeoutAndExit(t *testing.T) {
	c := exec.Command("sh", "-c", setsidScript)
	c.KillTree, c.Timeout = true, ms(200)
	pid := grandchild(t, c)
	needCgroup(t)
	assert.Equal(t, syscall.SIGTERM, exitSignal(t, c.Wait()))
	assert.ErrorIs(t, c.Cause(), context.DeadlineExceeded)
	assert.True(t, gone(pid), "the grandchild %d survived the timeout", pid)

	c = exec.Command("sh", "-c", `setsid sh -c 'i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; sleep 30' >/dev/null 2>&1 & echo $!; read x || exit 0`)
	c.KillTree = true
	in, err := c.StdinPipe()
	require.NoError(t, err)
	pid = grandchild(t, c)
	require.NoError(t, in.Close()) // the child reads EOF and exits
	require.NoError(t, c.Wait())
	assert.True(t, gone(pid), "the grandchild %d outlived the child", pid)
	tu := c.TreeUsage()
	require.NotNil(t, tu)
	assert.Greater(t, tu.CPU, time.Duration(0))
}

// A Runner on a parent without a tree refuses KillTree, starting nothing.
func TestKillTreeNeedsATree(t *testing.T) {
	l, err := loop.New() // never run: nothing is started
	require.NoError(t, err)
	defer l.Close()
	ctx, err := childproc.New(l, childproc.Config{})
	require.NoError(t, err)
	defer ctx.Close()
	c := exec.NewRunner(ctx).Command("true")
	c.KillTree = true
	err = c.Run()
	assert.True(t, errors.Is(err, errors.ErrUnsupported), "%v", err)
	assert.Nil(t, c.Process)
}

// Where the parent cannot watch (no pidfds: old kernels, other systems;
// here a parent whose application owns SIGCHLD, which watches nothing),
// a Cmd runs as os/exec's alone, and one with an extension is refused.
func TestUnwatchedFallback(t *testing.T) {
	l, err := loop.New() // never run: the parent is not used
	require.NoError(t, err)
	defer l.Close()
	ctx, err := childproc.New(l, childproc.Config{Mode: childproc.ModeApp})
	require.NoError(t, err)
	defer ctx.Close()
	r := exec.NewRunner(ctx)
	for range 2 { // the second after the Runner learnt it cannot watch
		out, err := r.Command("sh", "-c", "echo hi; exit 3").Output()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 3, ee.ExitCode())
		assert.Equal(t, "hi\n", string(out))
	}
	c := r.Command("true")
	c.Timeout = time.Second
	assert.ErrorIs(t, c.Run(), errors.ErrUnsupported)
	assert.Nil(t, c.Process)
	assert.Zero(t, ctx.Len())
}
