//go:build linux

package childproc_test

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/loop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestExitBeforeRecorded: contexts that fork without their mutex must
// report a child that exits, and whose SIGCHLD the loop has already handled,
// before Spawn records it. The spawn hook holds the child back until it has
// exited (waitid WNOWAIT) and, with the per-pid scan, until the loop has
// finished a pass over the self-pipe (seen through wrapped hooks); pidfds
// cannot be consumed that way, so there it only waits for the exit. A lost
// exit never arrives, so recorder.wait fails at its hang guard.
func TestExitBeforeRecorded(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		for _, mode := range []childproc.Mode{childproc.ModeOwn, childproc.ModeKeep} {
			t.Run(fmt.Sprint(mode), func(t *testing.T) {
				ev := passHooks{Loop: childproc.StartLoop(t), passed: make(chan struct{}, 1)}
				slowSpawn := func(argv0 string, argv []string, attr *syscall.ProcAttr) (int, error) {
					select { // forget passes of earlier rounds
					case <-ev.passed:
					default:
					}
					pid, err := syscall.ForkExec(argv0, argv, attr)
					if err != nil {
						return 0, err
					}
					assert.NoError(t, testutil.WaitExited(pid))
					if v.strategy != knob.StrategyPidfd {
						select {
						case <-ev.passed:
						case <-time.After(hangGuard):
							assert.Fail(t, "no pass over the self-pipe after the child's exit")
						}
					}
					return pid, nil
				}
				c, err := childproc.NewWithStrategy(ev, childproc.ConfigOf(mode, nil, slowSpawn), v.strategy)
				require.NoError(t, err)
				t.Cleanup(func() { c.Close() })
				rec := newRecorder()
				const rounds = 100
				for i := range rounds {
					_, err := c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, OnExit: rec.onExit(c)})
					require.NoError(t, err)
					rec.wait(t, i+1)
				}
				for pid, rs := range rec.All() {
					if assert.Len(t, rs, 1, "pid %d: callbacks", pid) {
						assert.True(t, rs[0].st.Success(), "pid %d: %+v", pid, rs[0].st)
					}
				}
			})
		}
	})
	assert.NoError(t, testutil.NoZombies())
}

// TestLastExitDuringFork: with the default Config the SIGCHLD subscription
// ends when the last child is reaped, but not while another spawn is still
// forking: that child's exit would go unnoticed.
func TestLastExitDuringFork(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := childproc.StartLoop(t)
		forked, release := make(chan struct{}), make(chan struct{})
		hook := func(argv0 string, argv []string, attr *syscall.ProcAttr) (int, error) {
			pid, err := syscall.ForkExec(argv0, argv, attr)
			if err == nil && argv[0] == "held" {
				close(forked)
				<-release
			}
			return pid, err
		}
		c, err := childproc.NewWithStrategy(l, childproc.Config{Spawn: hook}, v.strategy)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		rec := newRecorder()
		held := make(chan error, 1)
		go func() {
			_, err := c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"held"}, OnExit: rec.onExit(c)})
			held <- err
		}()
		<-forked
		// The only recorded child comes and goes while "held" is unrecorded.
		_, err = c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, OnExit: rec.onExit(c)})
		require.NoError(t, err)
		rec.wait(t, 1)
		close(release)
		require.NoError(t, <-held)
		rec.wait(t, 2)
	})
	assert.NoError(t, testutil.NoZombies())
}

// TestAppSigchldPidfdForksLocked: with ModeApp the application may reap
// with wait4(-1) and pass the status to Reaped. A child that exits before
// Spawn records it must not be lost to that race: Reaped has to wait for
// the record (the parent forks with its mutex held in this mode).
func TestAppSigchldPidfdForksLocked(t *testing.T) {
	if !pidfdOK() {
		t.Skip("no pidfds")
	}
	l := childproc.StartLoop(t)
	var c *childproc.Parent
	reaped := make(chan error, 1)
	hook := func(argv0 string, argv []string, attr *syscall.ProcAttr) (int, error) {
		pid, err := syscall.ForkExec(argv0, argv, attr)
		if err != nil {
			return 0, err
		}
		if err := testutil.WaitExited(pid); err != nil {
			return 0, err
		}
		// The application's SIGCHLD handling runs now, while the child is
		// not yet recorded.
		go func() {
			var ws syscall.WaitStatus
			wpid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if err != nil || wpid != pid {
				reaped <- fmt.Errorf("application's wait4(-1) = %d, %v; want %d", wpid, err, pid)
				return
			}
			reaped <- c.Reaped(wpid, ws)
		}()
		select {
		case err := <-reaped:
			// Reaped ran before Spawn could record the child: only
			// possible if Spawn forked without the mutex.
			reaped <- err
			return pid, errors.New("Reaped returned before the child was recorded")
		case <-time.After(50 * time.Millisecond):
		}
		return pid, nil
	}
	var err error
	c, err = childproc.NewWithStrategy(l, childproc.Config{Mode: childproc.ModeApp, Spawn: hook}, knob.StrategyPidfd)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	rec := newRecorder()
	_, err = c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, OnExit: rec.onExit(c)})
	require.NoError(t, err)
	require.NoError(t, <-reaped, "Reaped")
	rec.wait(t, 1)
	for _, rs := range rec.All() {
		assert.True(t, rs[0].st.Success(), "status %+v, want exit 0 (the real status, not ErrStatusLost)", rs[0].st)
	}
}

// TestCloseWaitsForFork: Close must not return while a Spawn is still
// forking, or that Spawn's child would outlive it.
func TestCloseWaitsForFork(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := childproc.StartLoop(t)
		forked, release := make(chan int, 1), make(chan struct{})
		hook := func(argv0 string, argv []string, attr *syscall.ProcAttr) (int, error) {
			pid, err := syscall.ForkExec(argv0, argv, attr)
			if err == nil {
				forked <- pid
				<-release
			}
			return pid, err
		}
		c, err := childproc.NewWithStrategy(l, childproc.Config{Spawn: hook}, v.strategy)
		require.NoError(t, err)
		spawned := make(chan error, 1)
		go func() {
			_, err := c.Spawn(&childproc.Cmd{Path: "/bin/sleep", Args: []string{"sleep", "60"}, OnExit: func(*childproc.Child, childproc.Status) {}})
			spawned <- err
		}()
		pid := <-forked
		closed := make(chan struct{})
		go func() {
			c.Close()
			close(closed)
		}()
		select {
		case <-closed:
			close(release)
			<-spawned
			require.Fail(t, "Close returned while a Spawn was still forking")
		case <-time.After(100 * time.Millisecond):
		}
		close(release)
		<-closed
		assert.ErrorIs(t, <-spawned, fs.ErrClosed, "Spawn during Close")
		assert.Equal(t, unix.ESRCH, unix.Kill(pid, 0), "kill(%d, 0) after Close: want ESRCH (killed and reaped)", pid)
	})
	assert.NoError(t, testutil.NoZombies())
}

// passHooks is the reference loop with every fd target wrapped, so that a
// test learns when the library has finished handling an occurrence (for the
// SIGCHLD self-pipe: a whole collect-and-dispatch pass).
type passHooks struct {
	*loop.Loop
	passed chan struct{} // gets a token (if empty) after each occurrence
}

func (h passHooks) RegisterFD(fd int, ev hooks.Events, t hooks.FDTarget) (hooks.Registration, error) {
	return h.Loop.RegisterFD(fd, ev, passTarget{t, h.passed})
}

type passTarget struct {
	hooks.FDTarget
	passed chan struct{}
}

func (p passTarget) FDOccurred(fd int, ev hooks.Events) error {
	err := p.FDTarget.FDOccurred(fd, ev)
	select {
	case p.passed <- struct{}{}:
	default:
	}
	return err
}
