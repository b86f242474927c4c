package exec_test

import (
	"os"
	"sync/atomic"
	"testing"
	"time"

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
			if unix.Waitid(unix.P_PID, cmd.Pid(), &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil) != unix.ECHILD {
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

// ExitCode may be asked from another goroutine while Wait is parked: -1
// until the child is done, its code after (run under -race, this is the
// check that the loop's write of Status is ordered before the read).
func TestExitCodeWhileWaiting(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "sleep 0.2; exit 3")
	require.NoError(t, cmd.Start())
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	for {
		select {
		case err := <-waited:
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, 3, cmd.ExitCode())
			return
		default:
			if code := cmd.ExitCode(); code != -1 && code != 3 {
				t.Fatalf("ExitCode %d while waiting", code)
			}
			time.Sleep(time.Millisecond)
		}
	}
}
