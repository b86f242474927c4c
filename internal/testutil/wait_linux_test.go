package testutil

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChildChecks follows one child through its life: running, exited
// and not reaped, reaped; and checks that no check reaps it.
func TestChildChecks(t *testing.T) {
	require.NoError(t, NoChildren())
	require.NoError(t, NoZombies())

	cmd := HelperCommand(t, "block")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	pid := cmd.Process.Pid
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	// Running: a child, not a zombie.
	err = NoChildren()
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("[%d (", pid))
	assert.NoError(t, NoZombies())
	kids, err := ChildrenOf(os.Getpid())
	require.NoError(t, err)
	require.Len(t, kids, 1)
	assert.Equal(t, pid, kids[0].Pid)
	assert.Equal(t, pid, kids[0].Pgrp, "Setpgid")
	assert.True(t, kids[0].Alive())

	// Exited, not reaped: WaitExited leaves it a zombie, and so do the
	// checks, however often they run.
	require.NoError(t, stdin.Close())
	require.NoError(t, WaitExited(pid))
	for range 2 {
		err = NoZombies()
		require.Error(t, err)
		assert.Contains(t, err.Error(), fmt.Sprintf("zombie child %d ", pid))
		err = NoChildren()
		require.Error(t, err)
		assert.Contains(t, err.Error(), fmt.Sprintf("[%d (", pid))
		assert.Contains(t, err.Error(), ") Z]")
		s, err := ReadProcStat(pid)
		require.NoError(t, err)
		assert.True(t, s.Zombie())
		assert.False(t, s.Alive())
	}

	// Reaped.
	require.NoError(t, cmd.Wait())
	assert.NoError(t, NoZombies())
	assert.NoError(t, NoChildren())
	_, err = ReadProcStat(pid)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	kids, err = ChildrenOf(os.Getpid())
	require.NoError(t, err)
	assert.Empty(t, kids)
}

func TestReap(t *testing.T) {
	cmd := HelperCommand(t, "exit", "3")
	require.NoError(t, cmd.Start())
	ws, err := Reap(cmd.Process.Pid)
	require.NoError(t, err)
	assert.True(t, ws.Exited())
	assert.Equal(t, 3, ws.ExitStatus())
	assert.NoError(t, NoChildren())
	// Already reaped (and not a child at all): ECHILD.
	_, err = Reap(cmd.Process.Pid)
	assert.ErrorIs(t, err, syscall.ECHILD)
	assert.ErrorIs(t, WaitExited(os.Getppid()), syscall.ECHILD)
}
