package testutil

import (
	"io/fs"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestReadProcStatSelf(t *testing.T) {
	s, err := ReadProcStat(os.Getpid())
	require.NoError(t, err)
	sid, err := unix.Getsid(0)
	require.NoError(t, err)
	assert.Equal(t, os.Getpid(), s.Pid)
	assert.Equal(t, os.Getppid(), s.PPid)
	assert.Equal(t, syscall.Getpgrp(), s.Pgrp)
	assert.Equal(t, sid, s.Session)
	assert.Contains(t, "RS", string(s.State))
	assert.True(t, s.Alive())
	assert.GreaterOrEqual(t, s.NumThreads, 2, "a Go program runs several threads")
	assert.NotEmpty(t, s.Comm)
	parent, err := ReadProcStat(os.Getppid())
	require.NoError(t, err)
	assert.LessOrEqual(t, parent.StartTime, s.StartTime, "the parent started first")
}

func TestReadProcStatGone(t *testing.T) {
	cmd := HelperCommand(t, "exit", "0")
	require.NoError(t, cmd.Run()) // started and reaped: the pid is free
	_, err := ReadProcStat(cmd.Process.Pid)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestProcs(t *testing.T) {
	all, err := Procs()
	require.NoError(t, err)
	var me, init *ProcStat
	for i := range all {
		if i > 0 {
			require.Less(t, all[i-1].Pid, all[i].Pid, "pid order")
		}
		switch all[i].Pid {
		case os.Getpid():
			me = &all[i]
		case 1:
			init = &all[i]
		}
	}
	require.NotNil(t, me, "this process")
	require.NotNil(t, init, "pid 1")
	assert.Equal(t, os.Getppid(), me.PPid)
	assert.Zero(t, init.PPid)
}
