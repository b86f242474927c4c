package childproc_test

import (
	"fmt"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/testutil"
)

// 10000 children, 200 alive at a time, spawned with the fd table shared
// and cut (internal/spawn) while 4 goroutines run os/exec commands: every
// status reaches its owner exactly once (no ECHILD for os/exec), no zombie
// is left, and the fds come back to the baseline. Each child holds a
// pidfd from highBase up, so the table the children copy stays small.
func TestSpawnTenThousand(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	before := openFDs(t)
	const total, live = 10000, 200
	var (
		mu      sync.Mutex
		seen    = make([]int, total) // child i → OnExit calls (pids are reused)
		wrong   int
		started int
		ended   = make(chan struct{}, total)
	)
	slots := make(chan struct{}, live)
	stop := make(chan struct{})
	var execRuns, execErrs atomic.Int64
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				err := exec.Command("/bin/sh", "-c", fmt.Sprintf("exit %d", (g+i)%5)).Run()
				execRuns.Add(1)
				if code := exitCode(err); code != (g+i)%5 {
					execErrs.Add(1)
					t.Errorf("os/exec: %v, want exit %d", err, (g+i)%5)
				}
			}
		}()
	}
	for i := range total {
		slots <- struct{}{}
		code := i % 7
		_, err := c.Spawn(&childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", fmt.Sprintf("exit %d", code)},
			OnExit: func(_ *childproc.Child, st childproc.Status) {
				mu.Lock()
				seen[i]++
				if st.Code != code {
					wrong++
				}
				mu.Unlock()
				<-slots
				ended <- struct{}{}
			}})
		require.NoError(t, err, "spawn %d", i)
		started++
	}
	for range total {
		select {
		case <-ended:
		case <-time.After(hangGuard):
			require.FailNow(t, "exits missing")
		}
	}
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	twice := 0
	for _, n := range seen {
		if n != 1 {
			twice++
		}
	}
	t.Logf("%d children, %d os/exec runs beside them", started, execRuns.Load())
	assert.Zero(t, twice, "children reported other than once")
	assert.Zero(t, wrong, "wrong statuses")
	assert.Zero(t, execErrs.Load(), "os/exec failures")
	assert.Positive(t, execRuns.Load(), "os/exec ran beside")
	assertFDsBack(t, before, "fds after 10000 children")
	assert.NoError(t, testutil.NoChildren(), "zombies")
}

// exitCode is the exit code in an os/exec Run error (0 for nil, -1 for
// anything but an exit).
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
