//go:build linux

package childproc_test

import (
	"fmt"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
)

// TestCoexistWithOsExec runs 200 exec.Cmds (Start, ~2 ms of work, Wait)
// while the library spawns and reaps 500 children with the default Config. The
// library must never take an exec.Cmd's status (Wait would fail with ECHILD,
// as it does beside go-reap-style wait4(-1) reapers), and every library
// child must get its own status.
func TestCoexistWithOsExec(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := childproc.StartLoop(t)
		c := newParent(t, l, parentOf{Strategy: v.strategy})
		rec := newRecorder()

		const nExec, nLib = 200, 500
		var wg sync.WaitGroup
		execErrs := make(chan error, nExec)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := g; i < nExec; i += 8 {
					cmd := exec.Command("/bin/sh", "-c", fmt.Sprintf("exit %d", i%7))
					if err := cmd.Start(); err != nil {
						execErrs <- err
						continue
					}
					// Make a theft certain if the library would steal:
					// once the child is a zombie, make the loop run a
					// pass (one more library child exits and is
					// reported) before Wait collects it.
					if err := testutil.WaitExited(cmd.Process.Pid); err != nil {
						execErrs <- err
					}
					passed := make(chan struct{})
					if _, err := c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, OnExit: func(*childproc.Child, childproc.Status) { close(passed) }}); err != nil {
						execErrs <- err
					} else {
						select {
						case <-passed:
						case <-time.After(hangGuard):
							execErrs <- fmt.Errorf("exec.Cmd %d: the library's child was never reported", i)
						}
					}
					err := cmd.Wait()
					if code := cmd.ProcessState.ExitCode(); code != i%7 {
						execErrs <- fmt.Errorf("exec.Cmd %d: exit %d (Wait: %v), want %d", i, code, err, i%7)
					}
				}
			}(g)
		}
		codes := make(map[int]int)
		var mu sync.Mutex
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := g; i < nLib; i += 4 {
					ch, err := c.Spawn(shell(fmt.Sprintf("exit %d", i%250), rec.onExit(c)))
					if !assert.NoError(t, err, "spawn") {
						return
					}
					mu.Lock()
					codes[ch.Pid()] = i % 250
					mu.Unlock()
				}
			}(g)
		}
		wg.Wait()
		close(execErrs)
		for err := range execErrs { // each one a failure
			assert.NoError(t, err)
		}
		rec.wait(t, nLib)
		for pid, want := range codes {
			got := rec.Of(pid)
			if assert.Len(t, got, 1, "pid %d: callbacks", pid) && assert.NoError(t, got[0].st.Err, "pid %d", pid) {
				assert.Equal(t, want, got[0].st.Code, "pid %d: exit code", pid)
			}
		}
		assert.Equal(t, nLib, rec.Count(), "callbacks")
	})
}
