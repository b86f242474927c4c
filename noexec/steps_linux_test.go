package noexec_test

import (
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/noexec"
)

// wait reaps pid and returns its wait status.
func wait(t *testing.T, pid int) syscall.WaitStatus {
	t.Helper()
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err != syscall.EINTR {
			require.NoError(t, err)
			return ws
		}
	}
}

// Start runs the steps in a child the caller reaps: a write through a
// dup'd fd, then the exit code asked for.
func TestStart(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	var s noexec.Steps
	s.Dup2(int(w.Fd()), 5).Write(5, []byte("from the child")).Exit(3)
	pid, err := s.Start()
	w.Close()
	require.NoError(t, err)
	assert.Equal(t, 3, wait(t, pid).ExitStatus())
	b := make([]byte, 64)
	n, _ := r.Read(b)
	assert.Equal(t, "from the child", string(b[:n]))

	pid, err = new(noexec.Steps).Exec("/nonexistent/binary", []string{"x"}, nil).Start()
	require.NoError(t, err)
	assert.Equal(t, noexec.ExecFailedCode, wait(t, pid).ExitStatus())

	pid, err = new(noexec.Steps).Chdir("/nonexistent/dir").Exit(0).Start()
	require.NoError(t, err)
	assert.Equal(t, noexec.StepFailedCode, wait(t, pid).ExitStatus())
}

// Bad steps are refused before anything forks.
func TestBadSteps(t *testing.T) {
	for name, s := range map[string]*noexec.Steps{
		"negative fd": new(noexec.Steps).Dup2(-1, 1),
		"empty argv":  new(noexec.Steps).Exec("/bin/true", nil, nil),
		"exit code":   new(noexec.Steps).Exit(256),
		"nil call":    new(noexec.Steps).Call(nil),
	} {
		_, err := s.Start()
		assert.ErrorIs(t, err, os.ErrInvalid, name)
	}
}
