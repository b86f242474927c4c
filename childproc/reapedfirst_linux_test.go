//go:build linux

package childproc_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// A child is reaped before its callback runs, with and without a tree (a
// tree child's zombie is kept only while its leftovers are killed), on
// both strategies: whatever the callback releases (a blocking Wait of the
// exec front-end, say) sees it gone, so a program that exits next leaves
// no zombie behind.
func TestReapedBeforeCallback(t *testing.T) {
	for _, s := range []knob.Strategy{knob.StrategyPidfd, knob.StrategyScan} {
		for _, tree := range []childproc.Tree{childproc.TreeNone, childproc.TreeGroup, childproc.TreeCgroup} {
			t.Run(s.String()+"/"+tree.String(), func(t *testing.T) {
				require.NoError(t, knob.SetStrategy(s))
				defer knob.SetStrategy(knob.StrategyAuto)
				l := childproc.StartLoop(t)
				var c *childproc.Parent
				if tree == childproc.TreeCgroup {
					c = cgroupCtx(t, l)
				} else {
					c = newTreeCtx(t, l, tree)
				}
				const n = 50
				unreaped := make(chan int, n)
				done := make(chan struct{}, n)
				for range n {
					_, err := c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"},
						OnExit: func(ch *childproc.Child, _ childproc.Status) {
							var info unix.Siginfo
							if unix.Waitid(unix.P_PID, ch.Pid(), &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil) != unix.ECHILD {
								unreaped <- ch.Pid()
							}
							done <- struct{}{}
						}})
					require.NoError(t, err)
				}
				for range n {
					<-done
				}
				assert.Zero(t, len(unreaped), "children still zombies in their callback")
			})
		}
	}
}

// A reap pass nested in another's callbacks (ModeApp: a callback calls
// SigchldOccurred) ends the trees of the children it reaps as the outer
// pass does: each child is reaped by its callback, and what it left in its
// process group is killed.
func TestNestedPassEndsTrees(t *testing.T) {
	require.NoError(t, knob.SetStrategy(knob.StrategyPidfd))
	defer knob.SetStrategy(knob.StrategyAuto)
	c, err := childproc.New(nil, childproc.Config{Mode: childproc.ModeApp, Tree: childproc.TreeGroup})
	require.NoError(t, err)
	defer c.Close()
	zombie := func(pid int) bool {
		st, err := testutil.ReadProcStat(pid)
		return err == nil && st.Zombie()
	}
	var pids []int
	var calls int
	var stillZombie []int
	onExit := func(ch *childproc.Child, _ childproc.Status) {
		calls++
		if zombie(ch.Pid()) {
			stillZombie = append(stillZombie, ch.Pid())
		}
		if calls == 1 {
			require.NoError(t, c.SigchldOccurred()) // the nested pass
		}
	}
	for range 2 {
		// The leftover, a sleep in the child's group, outlives the child.
		ch, err := c.Spawn(&childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", "sleep 60 & exit 0"}, OnExit: onExit})
		require.NoError(t, err)
		pids = append(pids, ch.Pid())
	}
	deadline := time.Now().Add(hangGuard)
	for !(zombie(pids[0]) && zombie(pids[1])) {
		require.True(t, time.Now().Before(deadline), "children never exited")
		time.Sleep(time.Millisecond)
	}
	require.NoError(t, c.SigchldOccurred()) // both in one batch, or one nested
	assert.Equal(t, 2, calls, "callbacks")
	assert.Empty(t, stillZombie, "children still zombies in their own callbacks")
	for _, pid := range pids {
		for {
			left := groupMembers(t, pid)
			if len(left) == 0 {
				break
			}
			require.True(t, time.Now().Before(deadline), "group %d never ended: %v", pid, left)
			time.Sleep(time.Millisecond)
		}
	}
}

// groupMembers lists the live processes of process group pgid.
func groupMembers(t *testing.T, pgid int) []testutil.ProcStat {
	t.Helper()
	all, err := testutil.Procs()
	require.NoError(t, err)
	var in []testutil.ProcStat
	for _, p := range all {
		if p.Pgrp == pgid && p.Alive() {
			in = append(in, p)
		}
	}
	return in
}

// Out of fds at the fork, the library gives up only its own pidfd
// request: a pidfd the caller asked for in its SysProcAttr is left as it
// is, in a struct the library never writes, and the spawn fails.
func TestEMFILEKeepsCallersPidfdRequest(t *testing.T) {
	require.NoError(t, knob.SetStrategy(knob.StrategyScan))
	defer knob.SetStrategy(knob.StrategyAuto)
	l := childproc.StartLoop(t)
	calls := 0
	c, err := childproc.New(l, childproc.Config{Spawn: func(argv0 string, argv []string, attr *syscall.ProcAttr) (int, error) {
		calls++
		return 0, syscall.EMFILE
	}})
	require.NoError(t, err)
	defer c.Close()
	pidfd := -1
	sys := &syscall.SysProcAttr{PidFD: &pidfd}
	_, err = c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, SysProcAttr: sys,
		OnExit: func(*childproc.Child, childproc.Status) {}})
	assert.ErrorIs(t, err, syscall.EMFILE)
	assert.Equal(t, 1, calls, "spawn attempts")
	assert.Same(t, &pidfd, sys.PidFD, "the caller's SysProcAttr.PidFD was written")
}
