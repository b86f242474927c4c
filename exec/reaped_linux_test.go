package exec_test

import (
	"os"
	"sync/atomic"
	"testing"

	"github.com/childloop/childloop/exec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// As with os/exec, a child is reaped by the time its Wait returns, also
// when hundreds exit at once and their callbacks come in one batch: a
// program that exits right after its last Wait leaves no zombie to be
// reparented (a subreaper above it would otherwise inherit them).
func TestReapedWhenWaitReturns(t *testing.T) {
	const n = 300
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	var unreaped atomic.Int32
	errs := make(chan error, n)
	for range n {
		cmd := exec.Command("/bin/cat")
		cmd.Stdin = pr
		require.NoError(t, cmd.Start())
		go func() {
			err := cmd.Wait()
			var info unix.Siginfo
			if unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil) != unix.ECHILD {
				unreaped.Add(1)
			}
			errs <- err
		}()
	}
	pw.Close() // every cat reads EOF and exits
	for range n {
		require.NoError(t, <-errs)
	}
	assert.Zero(t, unreaped.Load(), "children still unreaped when their Wait returned")
}
