//go:build linux

package childproc_test

import (
	"os"
	"syscall"
	"testing"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCallbacksSpawnKillClose: death callbacks spawn new children, kill
// siblings and finally close their own parent, all from the loop goroutine.
func TestCallbacksSpawnKillClose(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := childproc.StartLoop(t)
		c := newParent(t, l, parentOf{Strategy: v.strategy})
		rec := newRecorder()
		done := make(chan struct{})

		// A long sleeper that the chain kills.
		sleeper, err := c.Spawn(&childproc.Cmd{Args: []string{"/bin/sleep", "3600"}, OnExit: rec.onExit(c)})
		require.NoError(t, err)
		// A chain of 50 children, each spawned by its predecessor's callback.
		var next func(n int) func(*childproc.Child, childproc.Status)
		next = func(n int) func(*childproc.Child, childproc.Status) {
			return func(ch *childproc.Child, st childproc.Status) {
				rec.add(c, ch.Pid(), st)
				if n == 0 {
					assert.NoError(t, sleeper.Kill(), "kill from callback")
					return
				}
				_, err := c.Spawn(shell("exit 0", next(n-1)))
				assert.NoError(t, err, "spawn from callback")
			}
		}
		_, err = c.Spawn(shell("exit 0", next(49)))
		require.NoError(t, err)
		rec.wait(t, 51)
		// A child whose callback closes the parent while a sibling lives
		// (spawned first, so the Close cannot overtake it).
		_, err = c.Spawn(&childproc.Cmd{Args: []string{"/bin/sleep", "3600"}, OnExit: rec.onExit(c)})
		require.NoError(t, err)
		_, err = c.Spawn(shell("exit 0", func(*childproc.Child, childproc.Status) {
			assert.NoError(t, c.Close(), "Close from callback")
			close(done)
		}))
		require.NoError(t, err)
		<-done
		if st, ok := sleeper.Status(); assert.True(t, ok, "sleeper: no status") {
			assert.Equal(t, syscall.SIGKILL, st.Signal, "sleeper: %v", st)
		}
		assert.Equal(t, 51, rec.Count(), "callbacks (none after Close)")
		assert.NoError(t, testutil.NoZombies())
	})
}

// TestDisown: a disowned child gets no callback and stays unreaped for the
// caller; Disown after the exit was reported says os.ErrProcessDone.
func TestDisown(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := childproc.StartLoop(t)
		c := newParent(t, l, parentOf{Strategy: v.strategy})
		ch, err := c.Spawn(&childproc.Cmd{Args: []string{"/bin/sleep", "3600"},
			OnExit: func(*childproc.Child, childproc.Status) { assert.Fail(t, "callback for a disowned child") }})
		require.NoError(t, err)
		require.NoError(t, ch.Disown())
		assert.ErrorIs(t, ch.Disown(), os.ErrProcessDone, "second Disown")
		assert.ErrorIs(t, ch.Kill(), os.ErrProcessDone, "Kill after Disown")
		syscall.Kill(ch.Pid(), syscall.SIGKILL)
		if ws, err := testutil.Reap(ch.Pid()); assert.NoError(t, err, "caller's wait4") {
			assert.Equal(t, syscall.SIGKILL, ws.Signal(), "caller's wait4: %v", ws)
		}
		assert.Zero(t, c.Len(), "children left")
	})
}
