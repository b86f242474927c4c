//go:build linux

package childproc_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/testutil"
)

// threads is this process's OS thread count.
func threads(t *testing.T) int {
	t.Helper()
	n, ok := testutil.SelfStatus("Threads")["Threads"]
	require.True(t, ok, "no Threads line in /proc/self/status")
	return n
}

func TestWatchExecCmd(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{Strategy: knob.StrategyPidfd})
	cmd := exec.Command("sh", "-c", "echo out; exit 3")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	rec := newRecorder()
	ch, err := c.Watch(cmd.Process, rec.onExit(c))
	require.NoError(t, err)
	assert.Equal(t, cmd.Process.Pid, ch.Pid())
	b := make([]byte, 16)
	n, _ := out.Read(b)
	assert.Equal(t, "out\n", string(b[:n]))
	st := rec.ended(t).st
	assert.Equal(t, 3, st.Code, "status %v", st)
	// The owner's Wait returns the real status: nothing was stolen.
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 3, ee.ExitCode())
	assert.Equal(t, time.Duration(ee.SysUsage().(*syscall.Rusage).Utime.Nano()), st.Usage.User, "the same rusage as os/exec's")
	assert.ErrorIs(t, ch.Kill(), os.ErrProcessDone)
	assert.NoError(t, testutil.NoChildren())
}

// Many watched exec.Cmds beside plain os/exec users: every status reaches
// the right owner, none is stolen, and no thread waits per watched child.
func TestWatchBesideOSExec(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{Strategy: knob.StrategyPidfd})
	fds := openFDs(t)
	before := threads(t)
	const n = 300
	cmds := make([]*exec.Cmd, n)
	rec := newRecorder()
	for i := range cmds {
		cmds[i] = exec.Command("sh", "-c", fmt.Sprintf("sleep 0.5; exit %d", i%200))
		require.NoError(t, cmds[i].Start())
		_, err := c.Watch(cmds[i].Process, rec.onExit(c))
		require.NoError(t, err)
	}
	// Meanwhile other code runs os/exec as usual.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := 0; k < 4; k++ {
				err := exec.Command("sh", "-c", fmt.Sprintf("exit %d", g)).Run()
				var ee *exec.ExitError
				if g == 0 && err != nil || g != 0 && (!errors.As(err, &ee) || ee.ExitCode() != g) {
					errs <- fmt.Errorf("plain os/exec user %d: %v", g, err)
				}
			}
		}(g)
	}
	during := threads(t)
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	for i := range cmds {
		st := rec.of(t, cmds[i].Process.Pid).st
		assert.Equal(t, i%200, st.Code, "watched %d: %v", i, st)
		err := cmds[i].Wait()
		assert.Equal(t, i%200, cmds[i].ProcessState.ExitCode(), "watched %d: Wait: %v", i, err)
	}
	// 300 watched children waiting cost no thread each (os/exec's 16
	// users hold up to 16 of their own).
	assert.Less(t, during-before, 40, "threads: %d before, %d while %d children were watched", before, during, n)
	assert.NoError(t, testutil.NoChildren())
	assertFDsBack(t, fds, "the watched processes' duplicated pidfds must all be closed")
}

func TestWatchRefusals(t *testing.T) {
	l := childproc.StartLoop(t)
	assert.Panics(t, func() {
		c := newParent(t, l, parentOf{Strategy: knob.StrategyPidfd})
		_, _ = c.Watch(nil, nil)
	})
	c := newParent(t, l, parentOf{Strategy: knob.StrategyPidfd})
	_, err := c.Watch(nil, func(*childproc.Child, childproc.Status) {})
	assert.ErrorIs(t, err, os.ErrInvalid)

	done := exec.Command("true")
	require.NoError(t, done.Run())
	_, err = c.Watch(done.Process, func(*childproc.Child, childproc.Status) {})
	assert.ErrorIs(t, err, os.ErrInvalid, "a process already waited for")

	scan := newParent(t, l, parentOf{Strategy: knob.StrategyScan})
	cmd := exec.Command("sleep", "0.1")
	require.NoError(t, cmd.Start())
	defer cmd.Wait()
	_, err = scan.Watch(cmd.Process, func(*childproc.Child, childproc.Status) {})
	assert.ErrorIs(t, err, errors.ErrUnsupported)

	reapAll := newParent(t, l, parentOf{Mode: childproc.ModeReapAll, Foreign: func(int, childproc.Status) {}})
	_, err = reapAll.Watch(cmd.Process, func(*childproc.Child, childproc.Status) {})
	assert.ErrorIs(t, err, os.ErrInvalid)
}

// Close lets a watched process go: not killed, still its owner's to wait.
func TestWatchClose(t *testing.T) {
	l := childproc.StartLoop(t)
	c, err := childproc.NewWithStrategy(l, childproc.Config{}, knob.StrategyPidfd)
	require.NoError(t, err)
	cmd := exec.Command("sh", "-c", "sleep 0.3; exit 5")
	require.NoError(t, cmd.Start())
	_, err = c.Watch(cmd.Process, func(*childproc.Child, childproc.Status) { t.Error("callback after Close") })
	require.NoError(t, err)
	require.NoError(t, c.Close())
	err = cmd.Wait()
	assert.Equal(t, 5, cmd.ProcessState.ExitCode(), "Wait: %v", err)
}
