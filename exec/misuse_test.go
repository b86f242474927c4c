package exec_test

import (
	"bytes"
	"io"
	"os"
	stdexec "os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/exec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestMisuse compares, with os/exec's, the errors of Wait before Start,
// Start twice, Wait twice and Wait after a failed Start.
func TestMisuse(t *testing.T) {
	t.Run("WaitNotStarted", func(t *testing.T) {
		want := errString(stdexec.Command("true").Wait())
		assert.Equal(t, want, errString(exec.Command("true").Wait()))
		assert.Equal(t, "exec: not started", want)
	})
	t.Run("StartTwice", func(t *testing.T) {
		s := stdexec.Command("true")
		require.NoError(t, s.Start())
		want := errString(s.Start())
		require.NoError(t, s.Wait())
		c := exec.Command("true")
		require.NoError(t, c.Start())
		assert.Equal(t, want, errString(c.Start()))
		require.NoError(t, c.Wait())
		assert.Equal(t, "exec: already started", want)
	})
	t.Run("WaitTwice", func(t *testing.T) {
		s := stdexec.Command("true")
		require.NoError(t, s.Run())
		want := errString(s.Wait())
		c := exec.Command("true")
		require.NoError(t, c.Run())
		assert.Equal(t, want, errString(c.Wait()))
		assert.Equal(t, "exec: Wait was already called", want)
	})
	t.Run("WaitAfterFailedStart", func(t *testing.T) {
		s := stdexec.Command("/nonexistent/binary")
		require.Error(t, s.Start())
		want := errString(s.Wait())
		c := exec.Command("/nonexistent/binary")
		require.Error(t, c.Start())
		assert.Equal(t, want, errString(c.Wait()))
		assert.Nil(t, c.Process)
	})
	t.Run("OutputWithStdout", func(t *testing.T) {
		s := stdexec.Command("true")
		s.Stdout = io.Discard
		_, want := s.Output()
		c := exec.Command("true")
		c.Stdout = io.Discard
		_, got := c.Output()
		assert.Equal(t, errString(want), errString(got))
	})
	t.Run("NoCommand", func(t *testing.T) {
		want := (&stdexec.Cmd{}).Run()
		got := (&exec.Cmd{}).Run()
		assert.Equal(t, errString(want), errString(got))
	})
}

// TestPipes compares StdinPipe and StdoutPipe with os/exec's.
func TestPipes(t *testing.T) {
	run := func(start func() error, wait func() error, in io.WriteCloser, out io.Reader) (string, string) {
		require.NoError(t, start())
		go func() {
			_, _ = in.Write([]byte("hello through pipes"))
			_ = in.Close()
		}()
		b, err := io.ReadAll(out)
		require.NoError(t, err)
		return string(b), errString(wait())
	}
	s := stdexec.Command("cat")
	sin, err := s.StdinPipe()
	require.NoError(t, err)
	sout, err := s.StdoutPipe()
	require.NoError(t, err)
	wantOut, wantErr := run(s.Start, s.Wait, sin, sout)

	c := exec.Command("cat")
	cin, err := c.StdinPipe()
	require.NoError(t, err)
	cout, err := c.StdoutPipe()
	require.NoError(t, err)
	gotOut, gotErr := run(c.Start, c.Wait, cin, cout)
	assert.Equal(t, wantOut, gotOut)
	assert.Equal(t, wantErr, gotErr)
	assert.Equal(t, "hello through pipes", gotOut)

	// StderrPipe, and the double-set error.
	c = exec.Command("sh", "-c", "echo to-stderr >&2")
	cerr, err := c.StderrPipe()
	require.NoError(t, err)
	_, err = c.StderrPipe()
	assert.EqualError(t, err, "exec: Stderr already set")
	require.NoError(t, c.Start())
	b, err := io.ReadAll(cerr)
	require.NoError(t, err)
	require.NoError(t, c.Wait())
	assert.Equal(t, "to-stderr\n", string(b))
}

// TestLoopIdles checks that the package's loop goroutine exists only while
// the package has children, and that the next Start brings it back.
func TestLoopIdles(t *testing.T) {
	for range 3 {
		var out bytes.Buffer
		c := exec.Command("echo", "hi")
		c.Stdout = &out
		require.NoError(t, c.Run())
		assert.Equal(t, "hi\n", out.String())
		require.Eventually(t, exec.Idle, 5*time.Second*timeScale, time.Millisecond)
		goleak.VerifyNone(t)
	}
}

// TestStatus checks the ProcessState and rusage a Cmd keeps.
func TestStatus(t *testing.T) {
	c := exec.Command("sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit 7")
	err := c.Run()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 7, ee.ExitCode())
	assert.Same(t, c.ProcessState, ee.ProcessState)
	assert.True(t, ee.Exited())
	assert.Positive(t, ee.SysUsage().(*syscall.Rusage).Maxrss)
	assert.Positive(t, ee.UserTime()+ee.SystemTime())
	assert.ErrorIs(t, c.Process.Kill(), os.ErrProcessDone)
	assert.NoError(t, c.Cause())
	assert.Nil(t, c.TreeUsage())
}
