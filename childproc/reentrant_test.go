//go:build linux

package childproc_test

import (
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/childloop/childloop/childproc"
)

// TestCallbacksSpawnKillClose: death callbacks spawn new children, kill
// siblings and finally close their own context, all from the loop goroutine.
func TestCallbacksSpawnKillClose(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := startLoop(t)
		c := newCtx(t, l, childproc.ModeOwn, v.strategy, nil)
		rec := newRecorder()
		done := make(chan struct{})

		// A long sleeper that the chain kills.
		sleeper, err := c.Spawn(&childproc.Cmd{Args: []string{"/bin/sleep", "3600"}, OnExit: rec.onExit(c)})
		if err != nil {
			t.Fatal(err)
		}
		// A chain of 50 children, each spawned by its predecessor's callback.
		var next func(n int) func(*childproc.Child, childproc.Status)
		next = func(n int) func(*childproc.Child, childproc.Status) {
			return func(ch *childproc.Child, st childproc.Status) {
				rec.add(c, ch.Pid(), st)
				if n == 0 {
					if err := sleeper.Kill(); err != nil {
						t.Errorf("kill from callback: %v", err)
					}
					return
				}
				if _, err := c.Spawn(shell("exit 0", next(n-1))); err != nil {
					t.Errorf("spawn from callback: %v", err)
				}
			}
		}
		if _, err := c.Spawn(shell("exit 0", next(49))); err != nil {
			t.Fatal(err)
		}
		rec.wait(t, 51)
		// A child whose callback closes the context while a sibling lives
		// (spawned first, so the Close cannot overtake it).
		if _, err := c.Spawn(&childproc.Cmd{Args: []string{"/bin/sleep", "3600"}, OnExit: rec.onExit(c)}); err != nil {
			t.Fatal(err)
		}
		_, err = c.Spawn(shell("exit 0", func(*childproc.Child, childproc.Status) {
			if err := c.Close(); err != nil {
				t.Errorf("Close from callback: %v", err)
			}
			close(done)
		}))
		if err != nil {
			t.Fatal(err)
		}
		<-done
		if st, ok := sleeper.Status(); !ok || st.Signal != 9 {
			t.Errorf("sleeper: %v %v", st, ok)
		}
		if rec.count() != 51 {
			t.Errorf("%d callbacks, want 51 (none after Close)", rec.count())
		}
		assertNoZombies(t)
	})
}

// TestDisown: a disowned child gets no callback and stays unreaped for the
// caller; Disown after the exit was reported says os.ErrProcessDone.
func TestDisown(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := startLoop(t)
		c := newCtx(t, l, childproc.ModeOwn, v.strategy, nil)
		ch, err := c.Spawn(&childproc.Cmd{Args: []string{"/bin/sleep", "3600"},
			OnExit: func(*childproc.Child, childproc.Status) { t.Error("callback for a disowned child") }})
		if err != nil {
			t.Fatal(err)
		}
		if err := ch.Disown(); err != nil {
			t.Fatal(err)
		}
		if err := ch.Disown(); !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("second Disown: %v", err)
		}
		if err := ch.Kill(); !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("Kill after Disown: %v", err)
		}
		syscall.Kill(ch.Pid(), syscall.SIGKILL)
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(ch.Pid(), &ws, 0, nil); err != nil || ws.Signal() != syscall.SIGKILL {
			t.Errorf("caller's wait4: %v %v", ws, err)
		}
		if c.Len() != 0 {
			t.Errorf("%d children left", c.Len())
		}
	})
}
