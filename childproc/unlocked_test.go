//go:build linux

package childproc_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/hooks"
	"golang.org/x/sys/unix"
)

// TestExitBeforeRecorded: contexts that fork without their mutex must
// report a child that exits, and whose SIGCHLD the loop has already handled,
// before Spawn records it. The spawn hook widens that window on purpose: it
// returns only after the child has exited (waitid WNOWAIT) and the loop has
// had a moment to run its pass. A lost exit never arrives, so recorder.wait
// fails at its hang guard.
func TestExitBeforeRecorded(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		for _, mode := range []childproc.Mode{childproc.LibraryOwned, childproc.AlwaysSelective} {
			t.Run(fmt.Sprint(mode), func(t *testing.T) {
				l := startLoop(t)
				slowSpawn := func(argv0 string, argv []string, attr *syscall.ProcAttr) (int, error) {
					pid, err := syscall.ForkExec(argv0, argv, attr)
					if err != nil {
						return 0, err
					}
					var info unix.Siginfo
					for {
						err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
						if err != unix.EINTR {
							if err != nil {
								t.Errorf("waitid: %v", err)
							}
							break
						}
					}
					time.Sleep(time.Millisecond) // let the loop run its pass first
					return pid, nil
				}
				c, err := childproc.New(l, hooks.ChildHooks{Mode: mode, Spawn: slowSpawn}, childproc.WithReapStrategy(v.strategy))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				rec := newRecorder()
				const rounds = 100
				for i := range rounds {
					if _, err := c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, OnExit: rec.onExit(c)}); err != nil {
						t.Fatal(err)
					}
					rec.wait(t, i+1)
				}
				for pid, rs := range rec.got {
					if len(rs) != 1 || !rs[0].st.Success() {
						t.Errorf("pid %d: %+v", pid, rs)
					}
				}
			})
		}
	})
	assertNoZombies(t)
}

// TestLastExitDuringFork: in LibraryOwned mode the SIGCHLD subscription
// ends when the last child is reaped, but not while another spawn is still
// forking: that child's exit would go unnoticed.
func TestLastExitDuringFork(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := startLoop(t)
		forked, release := make(chan struct{}), make(chan struct{})
		hook := func(argv0 string, argv []string, attr *syscall.ProcAttr) (int, error) {
			pid, err := syscall.ForkExec(argv0, argv, attr)
			if err == nil && argv[0] == "held" {
				close(forked)
				<-release
			}
			return pid, err
		}
		c, err := childproc.New(l, hooks.ChildHooks{Spawn: hook}, childproc.WithReapStrategy(v.strategy))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		rec := newRecorder()
		held := make(chan error, 1)
		go func() {
			_, err := c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"held"}, OnExit: rec.onExit(c)})
			held <- err
		}()
		<-forked
		// The only recorded child comes and goes while "held" is unrecorded.
		if _, err := c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, OnExit: rec.onExit(c)}); err != nil {
			t.Fatal(err)
		}
		rec.wait(t, 1)
		close(release)
		if err := <-held; err != nil {
			t.Fatal(err)
		}
		rec.wait(t, 2)
	})
	assertNoZombies(t)
}
