package exec_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	stdexec "os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/exec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An io.Pipe as Stdout, read by another goroutine only after Run has
// begun: ordinary with os/exec, and it must not stall anything here.
func TestIOPipeStdout(t *testing.T) {
	const size = 1 << 20
	script := fmt.Sprintf("head -c %d /dev/zero | tr '\\0' x", size)
	run := func(cmdRun func(w io.Writer) error) (int, [32]byte, error) {
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			err := cmdRun(pw)
			pw.CloseWithError(err)
			done <- err
		}()
		time.Sleep(ms(20)) // the child fills its pipe before anyone reads
		b, err := io.ReadAll(pr)
		require.NoError(t, err)
		return len(b), sha256.Sum256(b), <-done
	}
	wantN, wantSum, wantErr := run(func(w io.Writer) error {
		c := stdexec.Command("sh", "-c", script)
		c.Stdout = w
		return c.Run()
	})
	gotN, gotSum, gotErr := run(func(w io.Writer) error {
		c := exec.Command("sh", "-c", script)
		c.Stdout = w
		return c.Run()
	})
	assert.Equal(t, size, wantN)
	assert.Equal(t, wantN, gotN)
	assert.Equal(t, wantSum, gotSum)
	assert.NoError(t, wantErr)
	assert.NoError(t, gotErr)
}

// A Stdout nobody reads stalls its own command only: other commands start,
// run and end meanwhile, on the same package loop.
func TestStalledWriterStallsOnlyItsCommand(t *testing.T) {
	pr, pw := io.Pipe()
	stalled := exec.Command("sh", "-c", "head -c 1000000 /dev/zero")
	stalled.Stdout = pw
	require.NoError(t, stalled.Start())
	waited := make(chan error, 1)
	go func() { waited <- stalled.Wait() }()

	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			out, err := exec.Command("sh", "-c", fmt.Sprintf("echo %d", i)).Output()
			if err != nil || string(out) != fmt.Sprintf("%d\n", i) {
				errs <- fmt.Errorf("child %d: %q, %v", i, out, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	select {
	case err := <-waited:
		t.Fatalf("the stalled command's Wait returned %v before its output was read", err)
	default:
	}
	n, err := io.CopyN(io.Discard, pr, 1000000) // the writer is ours to close: no EOF
	require.NoError(t, err)
	assert.EqualValues(t, 1000000, n)
	require.NoError(t, <-waited)
}

// failWriter fails every Write.
type failWriter struct{}

var errWrite = errors.New("write refused")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

// A Stdout whose Write fails: the child gets EPIPE (yes would otherwise
// write forever) and Wait returns the write error, as with os/exec.
func TestFailingWriter(t *testing.T) {
	for name, run := range map[string]func() error{
		"os/exec": func() error {
			c := stdexec.Command("yes")
			c.Stdout = failWriter{}
			return c.Run()
		},
		"exec": func() error {
			c := exec.Command("yes")
			c.Stdout = failWriter{}
			return c.Run()
		},
	} {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- run() }()
			select {
			case err := <-done:
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					// yes died of SIGPIPE before Wait saw the writer's
					// error: os/exec then reports the exit.
					assert.Equal(t, syscall.SIGPIPE, ee.Sys().(syscall.WaitStatus).Signal(), "%v", err)
				} else {
					assert.ErrorIs(t, err, errWrite)
				}
			case <-time.After(10 * time.Second * timeScale):
				t.Fatal("Run did not return: the child kept writing")
			}
		})
	}
}

// The same writer for Stdout and Stderr gets both, in the child's order.
func TestSharedWriter(t *testing.T) {
	var b bytes.Buffer
	c := exec.Command("sh", "-c", "echo 1; echo 2 >&2; echo 3")
	c.Stdout, c.Stderr = &b, &b
	require.NoError(t, c.Run())
	assert.Equal(t, "1\n2\n3\n", b.String())
}
