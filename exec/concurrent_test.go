package exec_test

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/exec"
	"github.com/childloop/childloop/loop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentNoCrossReporting runs 64 goroutines that each start
// children one after another, half through the package's own loop and half
// through a Runner on a loop and context the test owns, while the test
// also spawns children in that parent directly. Each child prints its
// number i and exits with i%256: every Wait must see its own child's.
func TestConcurrentNoCrossReporting(t *testing.T) {
	const goroutines = 64
	perG := 8
	if testing.Short() {
		perG = 2
	}
	l, err := loop.New()
	require.NoError(t, err)
	ctx, err := childproc.New(l, childproc.Config{})
	require.NoError(t, err)
	runDone := make(chan error, 1)
	go func() { runDone <- l.Run() }()
	defer func() {
		l.Stop()
		require.NoError(t, <-runDone)
		require.NoError(t, ctx.Close())
		require.NoError(t, l.Close())
	}()
	runner := exec.NewRunner(ctx)

	// Direct childproc children in the user's parent, meanwhile.
	const direct = 64
	var directWG sync.WaitGroup
	directWG.Add(direct)
	directErrs := make(chan error, direct)
	for i := range direct {
		want := (1000 + i) % 256
		_, err := ctx.Spawn(&childproc.Cmd{
			Args: []string{"sh", "-c", "exit " + strconv.Itoa(want)},
			OnExit: func(_ *childproc.Child, st childproc.Status) {
				if st.Code != want {
					directErrs <- fmt.Errorf("direct child %d: %v, want exit %d", i, st, want)
				}
				directWG.Done()
			},
		})
		require.NoError(t, err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, goroutines*perG)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range perG {
				i := g*perG*5 + k // beyond 255 for some, so i%256 wraps
				script := fmt.Sprintf("printf %d; exit %d", i, i%256)
				var c *exec.Cmd
				if g%2 == 0 {
					c = exec.Command("sh", "-c", script)
				} else {
					c = runner.Command("sh", "-c", script)
				}
				var out []byte
				var err error
				if k%2 == 0 {
					out, err = c.Output()
				} else {
					out, err = c.CombinedOutput()
				}
				if string(out) != strconv.Itoa(i) {
					errs <- fmt.Errorf("child %d printed %q", i, out)
				}
				var ee *exec.ExitError
				switch {
				case i%256 == 0 && err != nil:
					errs <- fmt.Errorf("child %d: %v", i, err)
				case i%256 != 0 && (!errors.As(err, &ee) || ee.ExitCode() != i%256):
					errs <- fmt.Errorf("child %d: %v, want exit status %d", i, err, i%256)
				}
				if c.ProcessState.ExitCode() != i%256 {
					errs <- fmt.Errorf("child %d: ExitCode %d", i, c.ProcessState.ExitCode())
				}
			}
		}()
	}
	wg.Wait()
	directWG.Wait()
	close(errs)
	close(directErrs)
	for err := range errs {
		assert.NoError(t, err)
	}
	for err := range directErrs {
		assert.NoError(t, err)
	}
	assert.Zero(t, ctx.Len())
}
